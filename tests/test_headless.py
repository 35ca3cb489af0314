"""Headless runs through main.main in-process: files, schema, PNG sizes, reproducibility, errors."""
import csv
import io
import json

import pytest
from PySide6.QtGui import QImage

import gui.headless
import main
from gui.headless import LOSSES_FIGURE_SIZE, PATHS_FIGURE_SIZE, Progress
from nncore.settings import Settings

SMALL = ["--iterations", "30", "--hidden", "20,20", "--eval-interval", "10", "--steps", "12"]
ALL_FILES = {"run.json", "losses.csv", "accuracy.csv", "layers.csv", "paths.csv", "losses.png", "paths.png",
             "summary.csv"}


def _headless(out, *flags):
    return main.main(["--headless", "--out", str(out), *SMALL, *flags])


def _header(path):
    with open(path, newline="") as stream:
        return next(csv.reader(stream))


def _distinct_colours(image):
    return len({image.pixel(x, y) for x in range(0, image.width(), 9)
                for y in range(0, image.height(), 9)})


def test_headless_run_writes_every_file(tmp_path, qapp, capsys):
    out = tmp_path / "run"
    assert _headless(out, "--optimizers", "SGD,Adam") == 0
    assert {p.name for p in out.iterdir()} == ALL_FILES

    record = json.loads((out / "run.json").read_text())
    assert set(record) >= {"settings", "paths", "mnist"}
    assert Settings.from_dict(record["settings"]).mnist.hidden_sizes == (20, 20)
    assert set(record["paths"]["optimizers"]) == {"SGD", "Adam"}
    assert len(record["paths"]["optimizers"]["Adam"]["points"]) == 13
    mnist = record["mnist"]
    assert (mnist["iterations"], mnist["completed"], mnist["finished"]) == (30, 30, True)
    for name in ("SGD", "Adam"):
        optimizer = mnist["optimizers"][name]
        assert len(optimizer["loss"]) == 30 and all(v > 0 for v in optimizer["loss"])
        assert [point[0] for point in optimizer["test_accuracy"]] == [0, 10, 20, 30]
        assert optimizer["diverged_at"] is None
        layers = optimizer["layers"]  # hidden (20, 20): 3 weight matrices, statistics every 10 iterations
        assert layers["iterations"] == [10, 20, 30]
        assert all(len(row) == 3 and all(0 < v < 1 for v in row) for row in layers["update_ratio"])
        assert all(v > 0 for row in layers["gradient_norm"] + layers["weight_norm"] for v in row)
        assert sum(map(sum, optimizer["confusion"])) == 10000

    assert _header(out / "losses.csv") == ["iteration", "SGD", "Adam"]
    assert _header(out / "accuracy.csv") == ["optimizer", "iteration", "accuracy"]
    assert _header(out / "paths.csv") == ["optimizer", "step", "x", "y"]

    ratio = qapp.primaryScreen().devicePixelRatio()
    for name, (width, height) in (("paths.png", PATHS_FIGURE_SIZE), ("losses.png", LOSSES_FIGURE_SIZE)):
        image = QImage(str(out / name))
        assert (image.width(), image.height()) == (round(width * ratio), round(height * ratio))
        assert _distinct_colours(image) > 20, name

    err = capsys.readouterr().err
    assert "MNIST: 30/30 iterations" in err
    assert "test accuracy" in err and "Wrote" in err


def _numbers(path):
    record = json.loads(path.read_text())
    return {key: record[key] for key in ("settings", "paths", "mnist")}


def test_same_flags_and_seed_give_identical_numbers(tmp_path, qapp):
    for name, seed in (("a", "3"), ("b", "3"), ("c", "4")):
        assert _headless(tmp_path / name, "--task", "mnist", "--seed", seed) == 0
    first, again, other = (_numbers(tmp_path / n / "run.json") for n in "abc")
    assert first == again
    assert first["mnist"] != other["mnist"]  # the seed matters, so the equality above means something


def test_paths_only_run_skips_and_removes_the_mnist_files(tmp_path, qapp, capsys):
    out = tmp_path / "run"
    assert _headless(out) == 0
    assert _headless(out, "--task", "paths") == 0
    assert {p.name for p in out.iterdir()} == {"run.json", "paths.csv", "paths.png"}
    assert json.loads((out / "run.json").read_text())["mnist"] is None
    assert "no losses.csv, accuracy.csv, layers.csv, summary.csv or losses.png" in capsys.readouterr().err


def test_mnist_only_run_writes_no_path_files(tmp_path, qapp):
    out = tmp_path / "run"
    assert _headless(out, "--task", "mnist") == 0
    assert {p.name for p in out.iterdir()} == {"run.json", "losses.csv", "accuracy.csv", "layers.csv",
                                               "losses.png", "summary.csv"}


def test_unwritable_out_exits_2_before_running(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("")
    assert _headless(blocker / "out") == 2
    err = capsys.readouterr().err
    line, = err.splitlines()
    assert line.startswith("optimizer-lab: error: cannot write") and str(blocker) in line


def test_missing_dataset_exits_2_naming_the_file(tmp_path, capsys):
    empty = tmp_path / "no-mnist"
    empty.mkdir()
    assert _headless(tmp_path / "out", "--data-dir", str(empty)) == 2
    line, = capsys.readouterr().err.splitlines()
    assert "train-images-idx3-ubyte" in line and "not found" in line


def test_a_killed_training_process_keeps_the_iterations_done(tmp_path, qapp, monkeypatch, capsys):
    real_run_mnist = gui.headless.run_mnist

    def killed_after_first_evaluation(*args, **kwargs):
        for update in real_run_mnist(*args, **kwargs):
            yield update
            if update.stop >= 10:
                raise ChildProcessError("a training process ended unexpectedly (exit status -9)")

    monkeypatch.setattr(gui.headless, "run_mnist", killed_after_first_evaluation)
    out = tmp_path / "run"
    assert _headless(out, "--task", "mnist") == gui.headless.TRAINING_FAILED_STATUS == 1
    assert json.loads((out / "run.json").read_text())["mnist"]["completed"] >= 10
    assert "ended unexpectedly (exit status -9)" in capsys.readouterr().err


def test_progress_lines_when_not_a_terminal():
    stream = io.StringIO()
    progress = Progress(100, stream, tty=False)
    for done in range(5, 101, 5):
        progress.update(done, done / 50)
    progress.finish(100, 2.0)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "MNIST: 10/100 iterations (10 %), 50 it/s, 0.2 s"
    assert len(lines) == 10 and lines[-1].startswith("MNIST: 100/100")
    assert "\r" not in stream.getvalue()


def test_progress_bar_on_a_terminal():
    stream = io.StringIO()
    progress = Progress(200, stream, tty=True)
    progress.update(50, 0.5)
    progress.finish(200, 2.0)
    first, last = stream.getvalue().split("\r")[1:]
    assert first.startswith("MNIST [#######-") and " 50/200" in first
    assert "100 it/s" in first and "1.5 s left" in first
    assert last.startswith("MNIST [" + "#" * Progress.BAR_WIDTH + "]") and last.endswith("\n")


def test_headless_rejects_invalid_settings_with_one_line(tmp_path, capsys):
    settings = Settings(optimizers=())
    assert gui.headless.run_headless(settings, tmp_path / "out") == 2
    line, = capsys.readouterr().err.splitlines()
    assert "no optimizer" in line
    assert not (tmp_path / "out").exists()


def test_run_json_records_f_gradient_update_and_state_per_step(tmp_path, qapp, capsys):
    out = tmp_path / "run"
    assert main.main(["--headless", "--out", str(out), "--task", "paths", "--steps", "29",
                      "--optimizers", "SGD,Momentum,Adam"]) == 0
    paths = json.loads((out / "run.json").read_text())["paths"]["optimizers"]
    for name, entry in paths.items():
        assert len(entry["f"]) == len(entry["points"]) == 30
        assert len(entry["gradient"]) == len(entry["update"]) == 29
        x, y = entry["points"][0]
        assert entry["f"][0] == x ** 2 / 20 + y ** 2
        assert entry["update"][0] == [entry["points"][1][i] - entry["points"][0][i] for i in (0, 1)]
    assert paths["SGD"]["state"] == {}
    assert [round(v, 6) for v in paths["Momentum"]["state"]["v"][1]] == [0.1323, -0.68]
    assert set(paths["Adam"]["state"]) == {"m", "v", "iter"}
    assert paths["Adam"]["state"]["iter"][:3] == [1, 2, 3]
    assert paths["SGD"]["summary"]["final_f"] == paths["SGD"]["f"][-1]


def test_run_json_lists_of_a_diverged_path_end_where_it_diverged(tmp_path, qapp, capsys):
    out = tmp_path / "run"
    assert main.main(["--headless", "--out", str(out), "--task", "paths", "--optimizers", "SGD",
                      "--path-lr", "SGD=100"]) == 0
    entry = json.loads((out / "run.json").read_text())["paths"]["optimizers"]["SGD"]
    assert entry["diverged_at"] == 2
    assert len(entry["points"]) == len(entry["f"]) == 2 and len(entry["update"]) == 1
    assert entry["explanation"].startswith("each step multiplies y by 1 \u2212 lr\u00b72 = \u2212199")


def test_ctrl_c_on_the_process_group_of_a_real_run_stops_it_and_its_training_processes(tmp_path):
    """Ctrl+C in a terminal signals the whole process group: the forked training processes
    ignore it, the headless process writes what was trained, and no process is left."""
    import os
    import signal
    import subprocess
    import sys
    import time
    from pathlib import Path

    def children(pid):
        found = []
        for entry in filter(str.isdigit, os.listdir("/proc")):
            try:
                with open(f"/proc/{entry}/stat") as stat:
                    if int(stat.read().rsplit(")", 1)[1].split()[1]) == pid:
                        found.append(int(entry))
            except OSError:
                pass  # ended meanwhile
        return found

    out = tmp_path / "run"
    root = Path(main.__file__).resolve().parent
    process = subprocess.Popen(
        [sys.executable, "main.py", "--headless", "--task", "mnist", "--out", str(out),
         "--iterations", "1000000", "--hidden", "8", "--batch-size", "8", "--eval-interval", "0"],
        cwd=root, stderr=subprocess.DEVNULL, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while len(children(process.pid)) < 2 and time.monotonic() < deadline:
            time.sleep(0.01)  # until both training processes have been forked
        assert len(children(process.pid)) == 2
        os.killpg(process.pid, signal.SIGINT)
        assert process.wait(timeout=60) == 130
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
    mnist = json.loads((out / "run.json").read_text())["mnist"]
    assert mnist["completed"] < 1_000_000 and not mnist["finished"]
    with pytest.raises(ProcessLookupError):
        os.killpg(process.pid, 0)  # nothing of the group is left
