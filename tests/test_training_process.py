"""nncore.training_process: MNIST runs trained in a child process (no Qt involved)."""
import dataclasses
import multiprocessing
import os
import signal
import threading
import time

import numpy as np
import pytest

from nncore.experiment import MnistHistory, run_mnist
from nncore.training_process import COMPUTE_THREADS, NICENESS, TrainingFailed, TrainingProcess


@pytest.fixture(scope="module")
def trainer():
    """One child process shared by the tests of this module (each start costs ~0.4 s)."""
    process = TrainingProcess(min_interval=0.0)
    yield process
    process.close()
    assert multiprocessing.active_children() == []


def tiny(small_settings, **mnist):
    return dataclasses.replace(small_settings, task="mnist",
                               mnist=dataclasses.replace(small_settings.mnist, **mnist))


def endless(small_settings):
    """A run that cannot finish during a test: 10**6 iterations of a tiny network."""
    return tiny(small_settings, iterations=1_000_000, hidden_sizes=(8,), batch_size=8, eval_interval=0)


def history_of(updates, settings):
    history = MnistHistory(tuple(settings.optimizers), settings.mnist.iterations)
    for update in updates:
        history.apply(update)
    return history


def test_a_run_in_the_child_equals_the_same_run_in_process(trainer, small_settings):
    updates = list(trainer.train(small_settings))
    assert updates[-1].finished and updates[-1].stop == 30
    assert [u.start for u in updates[1:]] == [u.stop for u in updates[:-1]]  # contiguous deltas
    remote = history_of(updates, small_settings)
    local = history_of(run_mnist(small_settings), small_settings)
    for name in small_settings.optimizers:
        assert np.array_equal(remote.losses[name], local.losses[name])  # bit for bit
        assert remote.accuracies[name] == local.accuracies[name]
        assert [i for i, _ in remote.accuracies[name]] == [0, 10, 20, 30]


def test_the_child_is_reused_and_keeps_giving_the_same_numbers(trainer, small_settings):
    first = history_of(trainer.train(small_settings), small_settings)
    pid = trainer.pid
    second = history_of(trainer.train(small_settings), small_settings)
    assert trainer.pid == pid and trainer.is_alive()
    assert all(np.array_equal(first.losses[n], second.losses[n]) for n in small_settings.optimizers)


def test_the_child_loads_no_qt(trainer, small_settings):
    list(trainer.train(small_settings))
    with open(f"/proc/{trainer.pid}/maps") as maps:  # the shared libraries it has mapped
        libraries = maps.read()
    assert "numpy" in libraries  # this test process has Qt loaded (conftest); the child must not
    assert "Qt6" not in libraries and "PySide6" not in libraries


def children_of(pid):
    """Process ids whose parent is ``pid`` (from /proc/N/stat: the field after the state)."""
    found = []
    for entry in os.listdir("/proc"):
        try:
            with open(f"/proc/{entry}/stat") as stat:
                fields = stat.read().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue  # not a process, or it ended meanwhile
        if int(fields[1]) == pid:
            found.append(int(entry))
    return found


def wait_until_ended(pids, timeout=10.0):
    """Wait until none of ``pids`` runs (gone, or a zombie of a parent that died); True if so."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        states = []
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as stat:
                    states.append(stat.read().rsplit(")", 1)[1].split()[0])
            except OSError:
                states.append("gone")
        if all(state in ("gone", "Z", "X") for state in states):
            return True
        time.sleep(0.01)
    return False


def test_the_child_and_the_processes_it_trains_with_run_at_lower_priority(trainer, small_settings):
    updates = trainer.train(endless(small_settings))
    next(updates)  # training: run_mnist's groups train in processes forked by the child
    try:
        helpers = children_of(trainer.pid)
        assert len(helpers) == COMPUTE_THREADS  # one forked process per group
        threads = [int(t) for pid in [trainer.pid, *helpers] for t in os.listdir(f"/proc/{pid}/task")]
        expected = os.getpriority(os.PRIO_PROCESS, 0) + NICENESS
        assert [os.getpriority(os.PRIO_PROCESS, t) for t in threads] == [expected] * len(threads)
    finally:
        updates.close()
    assert children_of(trainer.pid) == []  # the abandoned run's helper has ended and been reaped


def test_stop_ends_the_run_with_what_was_computed(trainer, small_settings):
    settings = endless(small_settings)
    updates = []
    for update in trainer.train(settings):
        updates.append(update)
        trainer.request_stop()
    last = updates[-1]
    assert not last.finished and 0 < last.stop < 1_000_000
    assert np.all(np.isfinite(history_of(updates, settings).losses["SGD"][:last.stop]))
    assert list(trainer.train(small_settings))[-1].finished  # the next run is not stopped


def test_a_run_cancelled_before_it_starts_does_not_run(trainer, small_settings):
    cancelled = threading.Event()
    cancelled.set()
    assert list(trainer.train(small_settings, cancelled=cancelled)) == []


def test_leaving_a_run_early_stops_it_and_the_next_run_works(trainer, small_settings):
    for _ in trainer.train(endless(small_settings)):
        break
    updates = list(trainer.train(small_settings))
    assert updates[0].start == 0 and updates[-1].finished


def test_a_missing_dataset_fails_with_its_message_and_the_child_lives_on(trainer, small_settings, tmp_path):
    pid = trainer.pid
    with pytest.raises(TrainingFailed, match="file not found"):
        list(trainer.train(tiny(small_settings, data_dir=str(tmp_path))))
    assert trainer.pid == pid and trainer.is_alive()
    assert list(trainer.train(small_settings))[-1].finished


def test_invalid_settings_fail_with_their_message(trainer, small_settings):
    with pytest.raises(TrainingFailed, match="batch"):
        list(trainer.train(tiny(small_settings, batch_size=0)))


def test_a_killed_child_fails_the_run_clearly_and_the_next_run_starts_a_new_one(trainer, small_settings):
    updates = trainer.train(endless(small_settings))
    next(updates)
    dead = trainer.pid
    helpers = children_of(dead)
    os.kill(dead, signal.SIGKILL)
    with pytest.raises(TrainingFailed, match=r"ended unexpectedly \(killed by signal SIGKILL\)"):
        list(updates)
    with pytest.raises(ProcessLookupError):
        os.kill(dead, 0)  # reaped: no zombie left behind
    assert helpers and wait_until_ended(helpers)  # its helper saw the pipe break and ended
    assert list(trainer.train(small_settings))[-1].finished
    assert trainer.pid != dead


def test_close_mid_run_leaves_no_child(small_settings):
    process = TrainingProcess()
    updates = process.train(endless(small_settings))
    next(updates)
    pid = process.pid
    process.close()  # mid-run: no stop requested, nothing drained; close must end the child
    updates.close()
    process.close()  # closing twice is harmless
    assert not process.is_alive() and process.pid is None
    assert pid not in [child.pid for child in multiprocessing.active_children()]
    with pytest.raises(ProcessLookupError):
        os.kill(pid, 0)


def test_prepare_starts_the_child_before_the_first_run(small_settings, tmp_path):
    process = TrainingProcess()
    try:
        assert process.pid is None
        process.prepare(str(tmp_path))  # no dataset there: ignored until a run needs it
        process.prepare(None)
        pid = process.pid
        assert pid is not None and process.is_alive()
        with pytest.raises(TrainingFailed, match="file not found"):
            list(process.train(tiny(small_settings, data_dir=str(tmp_path))))
        assert list(process.train(small_settings))[-1].finished
        assert process.pid == pid
    finally:
        process.close()
