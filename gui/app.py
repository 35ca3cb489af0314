"""Starting the desktop application: QApplication, the main window, and --autorun screenshots."""
from __future__ import annotations

import sys

from PySide6.QtCore import QSettings, QTimer
from PySide6.QtWidgets import QApplication

from nncore.settings import Settings

from .terminal_signals import close_on_signals

ORGANIZATION = "OptimizerLab"
APPLICATION = "Optimizer Lab"


def run_app(settings: Settings | None = None, autorun: bool = False,
            screenshot: str | None = None) -> int:
    """Open the window and run the event loop; return the exit code.

    ``settings`` None restores the last session (QSettings), otherwise the window starts from
    ``settings``. ``autorun`` presses Start once the window is shown, waits for the run to end,
    saves a PNG of the whole window to ``screenshot`` (if given) and exits: 0 on success,
    1 with one line on stderr if the run or the export failed. Ctrl+C (SIGINT) or SIGTERM
    close the window as its close button would; the exit code is then 130 or 143.
    """
    from . import crash_guard, garbage_collection
    from .main_window import MainWindow  # after the QApplication's names are set

    crash_guard.install()
    app = QApplication.instance() or QApplication(sys.argv[:1])
    app.setOrganizationName(ORGANIZATION)
    app.setApplicationName(APPLICATION)
    garbage_collection.collect_in_event_loop()
    # Ctrl+C / SIGTERM close the window like its close button, even while it is being built.
    closer = close_on_signals()
    try:
        window = MainWindow(settings, QSettings())
    except BaseException:
        closer.restore()
        raise
    closer.attach(window)
    window.show()
    try:
        code = _event_loop(app, window, autorun, screenshot)
    finally:
        closer.restore()
    return closer.exit_code() or code


def _event_loop(app: QApplication, window, autorun: bool, screenshot: str | None) -> int:
    """Run the event loop until the window closes (after the autorun, if asked); the exit code."""
    if not autorun:
        app.aboutToQuit.connect(window.shutdown)
        return app.exec()

    outcome = {"code": 0}
    window.show_dialogs = False
    window.remember_session = False

    def failed(title: str, message: str) -> None:
        print(f"optimizer-lab: {title}: {message}", file=sys.stderr)
        outcome["code"] = 1

    def finished(_completed: bool) -> None:
        window.finish_animation()
        app.processEvents()
        if screenshot and outcome["code"] == 0 and window.export_screenshot(screenshot):
            print(f"optimizer-lab: screenshot saved to {screenshot}", file=sys.stderr)
        window.close()

    window.errorReported.connect(failed)
    window.runFinished.connect(finished)

    def press_start() -> None:
        if not window.start():
            window.close()

    QTimer.singleShot(0, press_start)
    app.exec()
    return outcome["code"]
