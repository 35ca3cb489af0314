"""Headless runs stopped by real signals, and output folders that never mix two runs
(issue 12, items 7 and 8). Signals go to a real process; the test waits for the progress line
that says where the run is, never for a fixed time."""
import json
import math
import os
import queue
import signal
import subprocess
import sys
import threading
from pathlib import Path

import pytest

import gui.export
import gui.headless
import main
from nncore import run_requirements
from nncore.files import ExportError
from nncore.settings import MnistSettings, PathSettings, Settings

ROOT = Path(__file__).resolve().parent.parent
TRAINING = ["--task", "mnist", "--optimizers", "SGD,Adam", "--iterations", "5000", "--hidden", "16,16",
            "--batch-size", "16", "--eval-interval", "0"]
"""A run whose first progress line comes at 10 % (500 iterations) and which needs ten times as
long to finish: a signal sent when that line appears lands during training."""


class Headless:
    """``main.py --headless`` as a child process whose stderr lines are collected by a thread."""

    def __init__(self, out: Path, *flags: str) -> None:
        self.lines: list[str] = []
        self._queue: queue.Queue[str | None] = queue.Queue()
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        self.process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), "--headless", "--out",
                                         str(out), *flags], stderr=subprocess.PIPE, text=True,
                                        cwd=ROOT, env=env)
        self._reader = threading.Thread(target=self._read, daemon=True)
        self._reader.start()

    def _read(self) -> None:
        for line in self.process.stderr:
            self._queue.put(line.rstrip("\n"))
        self._queue.put(None)

    def wait_for_line(self, starts: str, timeout: float = 120) -> str:
        """Block until a stderr line starting with ``starts`` arrives; fail if the process ends."""
        while True:
            line = self._queue.get(timeout=timeout)
            if line is None:
                pytest.fail(f"the process ended before {starts!r}:\n" + "\n".join(self.lines))
            self.lines.append(line)
            if line.startswith(starts):
                return line

    def finish(self, timeout: float = 120) -> int:
        status = self.process.wait(timeout=timeout)
        self._reader.join(timeout)
        while (line := self._queue.get_nowait()) is not None:
            self.lines.append(line)
        return status

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


@pytest.fixture
def headless():
    started = []

    def start(out, *flags):
        started.append(Headless(out, *flags))
        return started[-1]

    yield start
    for run in started:
        run.kill()


def _iterations(progress_line: str) -> int:
    """500 from 'MNIST: 500/5000 iterations (10 %), ...'."""
    return int(progress_line.split()[1].split("/")[0])


def _assert_partial_run_written(out: Path, run: Headless, first: int) -> dict:
    mnist = json.loads((out / "run.json").read_text())["mnist"]
    assert 500 <= first <= mnist["completed"] < 5000 and not mnist["finished"]
    assert len(mnist["optimizers"]["SGD"]["loss"]) == mnist["completed"]
    assert len((out / "losses.csv").read_text().splitlines()) == 1 + mnist["completed"]
    assert (out / "losses.png").stat().st_size > 0
    assert not [line for line in run.lines if "Traceback" in line or "Error" in line], run.lines
    assert f"MNIST: interrupted after {mnist['completed']} of 5000 iterations" in run.lines
    return mnist


@pytest.mark.parametrize("signum, status", [(signal.SIGINT, 130), (signal.SIGTERM, 143)],
                         ids=["ctrl-c", "sigterm"])
def test_a_signal_keeps_the_iterations_done_and_exits_with_its_status(tmp_path, headless, signum, status):
    out = tmp_path / "run"
    run = headless(out, *TRAINING)
    first = _iterations(run.wait_for_line("MNIST: "))
    run.process.send_signal(signum)
    assert run.finish() == status
    _assert_partial_run_written(out, run, first)


def test_a_second_ctrl_c_does_not_lose_the_results(tmp_path, headless):
    out = tmp_path / "run"
    run = headless(out, *TRAINING)
    first = _iterations(run.wait_for_line("MNIST: "))
    run.process.send_signal(signal.SIGINT)
    run.wait_for_line("SIGINT received: writing")
    run.process.send_signal(signal.SIGINT)
    run.process.send_signal(signal.SIGINT)
    assert run.finish() == 130
    _assert_partial_run_written(out, run, first)


def test_ctrl_c_while_the_figures_are_drawn_still_writes_everything(tmp_path, headless):
    out = tmp_path / "run"
    run = headless(out, "--iterations", "30", "--hidden", "16,16", "--optimizers", "SGD,Adam")
    run.wait_for_line("Drawing the figures")
    run.process.send_signal(signal.SIGINT)
    run.process.send_signal(signal.SIGINT)
    assert run.finish() == 130
    record = json.loads((out / "run.json").read_text())
    assert record["mnist"]["finished"] and record["mnist"]["completed"] == 30
    assert {p.name for p in out.iterdir()} == set(gui.headless.RESULT_FILES) - {"losses_repeats.csv"}
    assert not [line for line in run.lines if "Traceback" in line], run.lines


# ---- output folders --------------------------------------------------------------------------

def _small(task="both") -> Settings:
    return Settings(task=task, optimizers=("SGD", "Adam"), paths=PathSettings(steps=5),
                    mnist=MnistSettings(iterations=10, hidden_sizes=(8,), eval_interval=5))


def _contents(folder: Path) -> dict[str, bytes]:
    return {path.name: path.read_bytes() for path in folder.iterdir()}


def test_a_failed_write_leaves_the_previous_run_untouched(tmp_path, qapp, monkeypatch):
    out = tmp_path / "out"
    assert gui.headless.run_headless(_small(), out) == 0
    before = _contents(out)

    def broken_save(image, path):  # on the thread that saves the PNGs
        path.write_bytes(b"half a picture")
        raise ExportError(path, "No space left on device")

    monkeypatch.setattr(gui.export, "save_image", broken_save)
    assert gui.headless.run_headless(_small("mnist"), out) == gui.headless.WRITE_FAILED_STATUS
    assert _contents(out) == before  # no new run.json beside the old PNGs, no staging folder


def test_stale_part_files_and_staging_folders_are_removed(tmp_path, qapp):
    out = tmp_path / "out"
    out.mkdir()
    dead = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True)
    stale = [out / ".run.json.0a1b2c3d.part", out / ".losses.png.deadbeef.part"]
    for path in stale:
        path.write_text("killed mid-write")
    staging = out / f".optimizer-lab-run.{dead.stdout.strip()}.12ab34cd.part"
    staging.mkdir()
    (staging / "run.json").write_text("{}")
    mine = out / ".notes.txt.0a1b2c3d.part"  # not a result file: not ours to remove
    mine.write_text("keep")
    assert gui.headless.run_headless(_small("paths"), out) == 0
    assert {p.name for p in out.iterdir()} == {"run.json", "paths.csv", "paths.png", mine.name}


def test_a_run_that_does_not_fit_on_the_disk_is_refused_before_it_starts(tmp_path, monkeypatch, capsys):
    out = tmp_path / "out"
    needed = run_requirements.output_size(_small())
    free = math.ceil(needed * run_requirements.SAFETY) - 1  # one byte short of enough
    monkeypatch.setattr(run_requirements.os, "statvfs",
                        lambda path: os.statvfs_result((4096, 1, 0, 0, free, 0, 0, 0, 0, 255)))
    assert gui.headless.run_headless(_small(), out, stream=sys.stderr) == 2
    line, = capsys.readouterr().err.splitlines()
    assert line.startswith("optimizer-lab: error: not enough disk space in") and str(out) in line
    assert list(out.iterdir()) == []
    monkeypatch.setattr(run_requirements.os, "statvfs",
                        lambda path: os.statvfs_result((4096, 1, 0, 0, free + 1, 0, 0, 0, 0, 255)))
    run_requirements.check_disk_space(_small(), out)  # exactly enough: accepted


def test_the_output_estimate_covers_the_files_written(tmp_path, qapp):
    """Per loss and per path point, the estimate is above what run.json and the CSVs take, by
    less than a third; the PNGs fit in the fixed allowance."""
    import numpy as np

    from nncore.experiment import MnistHistory, run_paths
    from nncore.results import write_run

    settings = _small()
    settings.mnist.iterations, settings.paths.steps = 20_000, 5_000
    history = MnistHistory(settings.optimizers, settings.mnist.iterations)
    rng = np.random.default_rng(0)
    for name in settings.optimizers:
        history.losses[name][:] = rng.uniform(0.01, 3.0, settings.mnist.iterations)
    history.completed, history.finished = settings.mnist.iterations, True
    write_run(tmp_path / "data", settings, run_paths(settings), history)
    written = sum(path.stat().st_size for path in (tmp_path / "data").iterdir())
    variable = run_requirements.output_size(settings) - run_requirements.OUTPUT_BYTES_FIXED
    assert written <= variable <= 1.33 * written

    small = _small()
    assert gui.headless.run_headless(small, tmp_path / "out") == 0
    pictures = sum((tmp_path / "out" / name).stat().st_size for name in ("losses.png", "paths.png"))
    assert pictures <= run_requirements.OUTPUT_BYTES_FIXED


def test_an_in_process_run_gives_the_callers_signal_handlers_back(tmp_path, qapp):
    before = {number: signal.getsignal(number) for number in (signal.SIGINT, signal.SIGTERM)}
    assert main.main(["--headless", "--out", str(tmp_path / "out"), "--task", "paths"]) == 0
    assert {number: signal.getsignal(number) for number in before} == before
