"""A headless run's run.json and CSVs are written by a forked copy of the process while it draws
the figures: the same files as when written in the process itself, and the same failures."""
import os
import threading

import pytest

import gui.background_output
import gui.headless
from nncore.files import ExportError
from nncore.settings import MnistSettings, PathSettings, Settings

DATA_FILES = ("run.json", "losses.csv", "accuracy.csv", "layers.csv", "summary.csv", "paths.csv")


def _small() -> Settings:
    return Settings(optimizers=("SGD", "Adam"), paths=PathSettings(steps=5),
                    mnist=MnistSettings(iterations=10, hidden_sizes=(8,), eval_interval=5))


@pytest.fixture
def forks(monkeypatch):
    """The pids of the processes forked to write the files."""
    made = []

    class Counted(gui.background_output.ForkedProducer):
        def __init__(self, produce):
            super().__init__(produce)
            made.append(self.pid)
    monkeypatch.setattr(gui.background_output, "ForkedProducer", Counted)
    return made


def _data(folder):
    return {name: (folder / name).read_bytes() for name in DATA_FILES}


def test_files_written_by_the_forked_copy_equal_those_written_here(tmp_path, qapp, monkeypatch, forks):
    assert threading.active_count() == 1  # what the fork needs: no other Python thread
    assert gui.headless.run_headless(_small(), tmp_path / "forked") == 0
    assert len(forks) == 1 and forks[0] != os.getpid()
    monkeypatch.setattr(gui.background_output, "FORK_AVAILABLE", False)
    assert gui.headless.run_headless(_small(), tmp_path / "here") == 0
    assert len(forks) == 1
    forked, here = _data(tmp_path / "forked"), _data(tmp_path / "here")
    for name in DATA_FILES:
        if name == "run.json":  # only the training time differs
            forked[name], here[name] = (b"\n".join(line for line in text.split(b"\n")
                                                   if b"mnist_training_seconds" not in line)
                                        for text in (forked[name], here[name]))
        assert forked[name] == here[name], name
    assert sorted(p.name for p in (tmp_path / "forked").iterdir()) == sorted(
        p.name for p in (tmp_path / "here").iterdir())


def test_a_write_failing_in_the_forked_copy_fails_the_run_and_keeps_the_old_files(
        tmp_path, qapp, monkeypatch, forks, capsys):
    out = tmp_path / "out"
    assert gui.headless.run_headless(_small(), out) == 0
    before = {path.name: path.read_bytes() for path in out.iterdir()}

    def full_disk(directory, *args):
        (directory / "losses.csv").write_text("half a table")
        raise ExportError(directory / "run.json", "No space left on device")
    monkeypatch.setattr(gui.background_output, "write_run", full_disk)  # the forked copy inherits it
    assert gui.headless.run_headless(_small(), out) == gui.headless.WRITE_FAILED_STATUS
    assert len(forks) == 2
    assert "run.json: No space left on device" in capsys.readouterr().err
    assert {path.name: path.read_bytes() for path in out.iterdir()} == before


def test_a_forked_copy_that_dies_fails_the_run_with_a_message(tmp_path, qapp, monkeypatch, forks, capsys):
    out = tmp_path / "out"
    monkeypatch.setattr(gui.background_output, "write_run", lambda *args: os._exit(9))
    assert gui.headless.run_headless(_small(), out) == gui.headless.WRITE_FAILED_STATUS
    assert "the process writing run.json and the CSVs ended unexpectedly" in capsys.readouterr().err
    assert list(out.iterdir()) == []  # nothing half-written left behind
