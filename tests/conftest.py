"""Shared test configuration: Qt runs offscreen, so the suite needs no display."""
import os

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import dataclasses

import pytest


@pytest.fixture(scope="session", autouse=True)
def garbage_collected_in_event_loop(qapp):
    """As in the application (gui.app.run_app): garbage is collected from the event loop only,
    never inside a call into Qt, where PySide6 can deadlock (gui/garbage_collection.py)."""
    from gui.garbage_collection import collect_in_event_loop

    return collect_in_event_loop()


@pytest.fixture(scope="session", autouse=True)
def isolated_dataset_cache(tmp_path_factory):
    """Decompressed dataset copies (nncore.dataset_cache) go to a temporary folder shared by the
    session's tests (so the bundled MNIST is inflated once per session, never into the user's
    cache); subprocesses inherit it through the environment."""
    from nncore.dataset_cache import CACHE_ENV

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv(CACHE_ENV, str(tmp_path_factory.mktemp("dataset-cache")))
        yield


@pytest.fixture(autouse=True)
def isolated_app_data(tmp_path_factory, monkeypatch):
    """The window's run history (QStandardPaths.AppDataLocation, from XDG_DATA_HOME on Linux)
    goes to a temporary folder of each test: tests never touch the user's past runs, nor each
    other's."""
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path_factory.mktemp("app-data")))


@pytest.fixture(autouse=True)
def isolated_qsettings(tmp_path_factory):
    """Point every QSettings() at a temporary folder: tests never touch the user's real settings."""
    from PySide6.QtCore import QSettings

    folder = str(tmp_path_factory.mktemp("qsettings"))
    for fmt in (QSettings.Format.NativeFormat, QSettings.Format.IniFormat):
        for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
            QSettings.setPath(fmt, scope, folder)
    return folder


@pytest.fixture
def session_store(tmp_path):
    """A QSettings store for one window's session, in a temporary INI file."""
    from PySide6.QtCore import QSettings

    return QSettings(str(tmp_path / "session.ini"), QSettings.Format.IniFormat)


@pytest.fixture
def small_settings():
    """Book settings with a tiny MNIST run: 30 iterations of a 16-16 network, batch 32."""
    from nncore.settings import Settings

    settings = Settings()
    return dataclasses.replace(settings, mnist=dataclasses.replace(
        settings.mnist, iterations=30, hidden_sizes=(16, 16), batch_size=32, eval_interval=10))


@pytest.fixture
def dialogs(monkeypatch):
    """Every QMessageBox.warning shown, as (title, text), recorded instead of blocking."""
    from PySide6.QtWidgets import QMessageBox

    shown = []
    monkeypatch.setattr(QMessageBox, "warning",
                        lambda parent, title, text, *args: shown.append((title, text)))
    return shown


@pytest.fixture
def open_window(qtbot, session_store, dialogs):
    """A function that shows a MainWindow for the given Settings (None: restore the session)."""
    from gui.main_window import MainWindow

    def open_(settings):
        window = MainWindow(settings, session_store)
        qtbot.addWidget(window)
        window.show()
        qtbot.waitExposed(window)
        return window

    return open_


@pytest.fixture
def window(open_window, small_settings):
    """The main window with small_settings; closed at the end, its worker thread and its
    training process must be gone."""
    import multiprocessing

    window = open_window(small_settings)
    yield window
    window.close()
    assert not window.runner.is_alive()
    assert multiprocessing.active_children() == []
