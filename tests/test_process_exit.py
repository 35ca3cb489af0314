"""A headless run started as the program ends with os._exit (main.end_process): what it prints
must still arrive, and its exit status must be the run's."""
import os
import subprocess
import sys
from pathlib import Path

import main

ROOT = Path(main.__file__).resolve().parent


def _run(*flags: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k != "PYTHONUNBUFFERED"}  # pipes block-buffered
    env["QT_QPA_PLATFORM"] = "offscreen"
    return subprocess.run([sys.executable, "main.py", "--headless", *flags], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def test_a_headless_process_flushes_its_summary_and_files_before_it_ends(tmp_path):
    done = _run("--task", "mnist", "--iterations", "6", "--hidden", "8", "--eval-interval", "3",
                "--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("entry") and [line.split()[0] for line in lines[1:]] == [
        "SGD", "Momentum", "AdaGrad", "Adam"]  # the whole summary table, block-buffered
    assert "Wrote " in done.stderr
    assert {"run.json", "losses.csv", "losses.png"} <= {path.name for path in tmp_path.iterdir()}


def test_a_headless_process_ends_with_the_runs_status(tmp_path):
    blocked = tmp_path / "file"
    blocked.write_text("not a folder")
    done = _run("--task", "paths", "--steps", "3", "--out", str(blocked / "out"))
    assert done.returncode == 2 and done.stderr.count("\n") == 1, done.stderr
