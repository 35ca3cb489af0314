"""Signals to the window and to its training process (issue 12, item 9), sent to real processes.

Ctrl+C (SIGINT) and SIGTERM close the window as its close button would, idle or mid-run, with
no traceback and no leaked semaphores; a suspended training process does not leave Stop hanging;
a training process killed between runs is reaped at once.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
RUN_TIMEOUT = 60_000
START_TIMEOUT_S = 60


def children(pid: int) -> list[int]:
    """The process ids of ``pid``'s children (Linux /proc)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(child) for child in (task / "children").read_text().split()]
    return found


def gone(pid: int) -> bool:
    """True when ``pid`` no longer exists, not even as a zombie."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def launch(tmp_path, *flags):
    """main.py with a window offscreen (its session in ``tmp_path``), once its training process runs."""
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "HOME": str(tmp_path),
           "XDG_CONFIG_HOME": str(tmp_path / "config")}
    process = subprocess.Popen([sys.executable, str(ROOT / "main.py"), *flags], cwd=tmp_path, env=env,
                               stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + START_TIMEOUT_S
    while process.poll() is None and time.monotonic() < deadline:
        trainer = [pid for pid in children(process.pid) if b"spawn_main" in _command(pid)]
        if trainer:
            return process, trainer[0]
        time.sleep(0.05)
    process.kill()
    raise AssertionError(f"the window did not start its training process: {process.communicate()}")


def _command(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="reads children from Linux /proc")
@pytest.mark.parametrize("signum, code, flags", [
    (signal.SIGINT, 130, ()),
    (signal.SIGTERM, 143, ()),
    (signal.SIGINT, 130, ("--autorun", "--task", "mnist", "--iterations", "1000000", "--hidden", "8",
                          "--batch-size", "8", "--eval-interval", "0")),
])
def test_a_signal_closes_the_window_like_its_close_button(tmp_path, signum, code, flags):
    process, trainer = launch(tmp_path, *flags)
    try:
        if flags:  # mid-run: let the run go for a moment (training and painting)
            time.sleep(1.0)
        process.send_signal(signum)
        _, stderr = process.communicate(timeout=START_TIMEOUT_S)
    finally:
        if process.poll() is None:
            process.kill()
            process.communicate()
    assert process.returncode == code, stderr
    for problem in ("Traceback", "KeyboardInterrupt", "leaked semaphore", "QThread"):
        assert problem not in stderr, stderr
    assert gone(trainer)
    if "--autorun" not in flags:  # (an autorun never saves the session)
        session = list((tmp_path / "config").rglob("*.conf"))
        assert session and "settings" in session[0].read_text()  # saved as a close saves it


def long_settings(settings):
    import dataclasses
    return dataclasses.replace(settings, task="mnist", mnist=dataclasses.replace(
        settings.mnist, iterations=1_000_000, hidden_sizes=(8,), batch_size=8, eval_interval=0))


def suspend_a_long_run(qtbot, window, small_settings) -> int:
    """Start a run too long to end by itself, wait for its first iterations, then SIGSTOP its
    training process (whose pid is returned). The window's stop timeout is set to 0.5 s."""
    window.stop_timer.setInterval(500)
    window.controls.set_settings(long_settings(small_settings))
    window.start()
    qtbot.waitUntil(lambda: window.history is not None and window.history.completed > 0,
                    timeout=RUN_TIMEOUT)
    suspended = window.runner.trainer.pid
    os.kill(suspended, signal.SIGSTOP)
    return suspended


def test_a_suspended_training_process_fails_the_stop_clearly_and_a_fresh_one_runs_next(
        qtbot, window, small_settings, dialogs):
    suspended = suspend_a_long_run(qtbot, window, small_settings)
    try:
        with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT) as finished:
            window.stop()
            assert window.run_status.state_label.text() == "Stopping\u2026"
    finally:
        if not gone(suspended):
            os.kill(suspended, signal.SIGCONT)
    assert finished.args == [False]
    assert window.run_status.state_label.text().startswith("Failed: the training process did not stop within 0.5 s")
    assert dialogs and "did not stop" in dialogs[-1][1]
    qtbot.waitUntil(lambda: gone(suspended), timeout=RUN_TIMEOUT)
    window.controls.set_settings(small_settings)
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT) as finished:
        window.start()
    assert finished.args == [True] and window.history.completed == 30
    assert window.runner.trainer.pid != suspended


def test_a_suspended_process_left_behind_by_reset_does_not_block_the_next_run(
        qtbot, window, small_settings, dialogs):
    suspended = suspend_a_long_run(qtbot, window, small_settings)
    try:
        window.reset()
        window.controls.set_settings(small_settings)
        with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT) as finished:
            window.start()
    finally:
        if not gone(suspended):
            os.kill(suspended, signal.SIGCONT)
    assert finished.args == [True] and window.history.completed == 30
    assert window.run_status.state_label.text() == "Finished"


def test_a_training_process_killed_between_runs_is_reaped_at_once(qtbot, window, small_settings):
    qtbot.waitUntil(lambda: window.runner.trainer.pid is not None, timeout=RUN_TIMEOUT)
    idle = window.runner.trainer.pid
    os.kill(idle, signal.SIGKILL)
    qtbot.waitUntil(lambda: gone(idle), timeout=RUN_TIMEOUT)  # a zombie would stay
    assert window.runner.trainer.pid is None
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT) as finished:
        window.start()
    assert finished.args == [True] and window.runner.trainer.pid not in (None, idle)
