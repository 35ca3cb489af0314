"""gui.app.run_app --autorun: press Start, wait for the end, screenshot, exit status."""
import dataclasses

from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from gui.app import run_app
from gui.main_window import DEFAULT_SIZE


def test_autorun_saves_a_screenshot_of_the_finished_run_and_exits_0(qtbot, small_settings, tmp_path, capsys):
    target = tmp_path / "window.png"
    assert run_app(small_settings, autorun=True, screenshot=str(target)) == 0
    image = QImage(str(target))
    ratio = QApplication.primaryScreen().devicePixelRatio()
    assert (image.width(), image.height()) == (round(DEFAULT_SIZE[0] * ratio), round(DEFAULT_SIZE[1] * ratio))
    assert "screenshot saved" in capsys.readouterr().err
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]


def test_autorun_with_a_missing_dataset_prints_one_line_and_exits_1(qtbot, small_settings, tmp_path, capsys):
    broken = dataclasses.replace(small_settings, task="mnist", mnist=dataclasses.replace(
        small_settings.mnist, data_dir=str(tmp_path)))
    assert run_app(broken, autorun=True, screenshot=str(tmp_path / "shot.png")) == 1
    lines = capsys.readouterr().err.strip().splitlines()
    assert len(lines) == 1 and "file not found" in lines[0]
    assert not (tmp_path / "shot.png").exists()


def test_autorun_with_no_optimizer_exits_1(qtbot, small_settings, capsys):
    assert run_app(dataclasses.replace(small_settings, optimizers=()), autorun=True) == 1
    assert "no optimizer" in capsys.readouterr().err


def test_the_app_collects_garbage_only_from_its_event_loop(qtbot, small_settings):
    """Automatic collection can start inside QObject::disconnect and deadlock PySide6
    (gui/garbage_collection.py): run_app turns it off and collects cycles from a timer."""
    import gc
    import weakref

    from gui import garbage_collection

    gc.enable()
    garbage_collection._collector = None  # as in a fresh process
    assert run_app(dataclasses.replace(small_settings, task="paths"), autorun=True) == 0
    assert not gc.isenabled()

    class Cycle:
        def __init__(self):
            self.me = self

    # Enough cycles to pass generation 0's threshold; only the timer can collect them now.
    cycles = [Cycle() for _ in range(gc.get_threshold()[0] + 1)]
    canary = weakref.ref(cycles[-1])
    del cycles
    assert canary() is not None
    qtbot.waitUntil(lambda: canary() is None, timeout=5000)


def test_ctrl_c_while_the_window_is_being_built_closes_it_once_it_runs(qtbot, small_settings, monkeypatch):
    """A real SIGINT to this process in the middle of building the window (which starts the
    training process) must close the window with status 130, not raise KeyboardInterrupt."""
    import os
    import signal

    import gui.main_window

    class InterruptedWhileBuilt(gui.main_window.MainWindow):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(gui.main_window, "MainWindow", InterruptedWhileBuilt)
    assert run_app(small_settings) == 130
    assert not [w for w in QApplication.topLevelWidgets() if w.isVisible()]
