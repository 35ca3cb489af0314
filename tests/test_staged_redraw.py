"""During training the window redraws the MNIST curves in two halves on consecutive frame ticks
(the loss plot, then the other panels), so no one event-loop turn stalls for the whole redraw;
a run is kept in the History once its last redraw is done, or at once when the user starts
another run or resets before that."""
import numpy as np
from PySide6.QtCore import QObject, Slot

from tests.test_gui_window import RUN_TIMEOUT


def _history(completed: int):
    from nncore.experiment import MnistHistory

    history = MnistHistory(("SGD", "Adam"), 100)
    for name in history.names:
        history.losses[name][:completed] = np.linspace(2.3, 1.0, completed)
        history.accuracies[name].append((completed, 0.5))
    history.completed = completed
    return history


def test_a_redraw_during_training_draws_the_loss_plot_then_the_other_panels(window):
    history = _history(40)
    window.running, window.history, window._history_dirty = True, history, True
    window._curves_drawn, window._curves_cost = -1e9, 0.0  # a redraw is due
    window._frame()
    assert window.loss_panel.history is history
    assert window.accuracy_panel.history is not history and window.diagnostics_panel.history is not history
    window._frame()
    assert window.accuracy_panel.history is history and window.diagnostics_panel.history is history
    assert window.run_views.lr_plot.marker.value() == 40
    window._frame()  # the tick after both halves measures their cost
    assert window._curves_cpu is None and window._curves_cost > 0
    window.running = False


def _kept_runs(window) -> int:
    return len(window.run_views.run_history.runs())


def test_a_run_is_kept_after_its_last_redraw(qtbot, window):
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT):
        assert window.start()
    assert _kept_runs(window) == 1
    history = window.history
    assert history.completed == history.total == 30
    for panel in (window.loss_panel, window.accuracy_panel, window.diagnostics_panel):
        assert panel.history is history  # every panel shows the end of the run


class _RightAfterTheRunsEnd(QObject):
    """Calls ``act`` in the GUI thread right after the window has handled a run's end (its slot
    is connected first), before any timer of the window can fire."""

    def __init__(self, window, act) -> None:
        super().__init__()
        self.window, self.act, self.pending = window, act, None
        window.runner.finished.connect(self.ended)

    @Slot(int, bool)
    def ended(self, run_id: int, completed: bool) -> None:
        self.window.runner.finished.disconnect(self.ended)
        self.pending = self.window._run_end is not None  # its last redraw is still to come
        self.act()


def test_start_or_reset_before_the_last_redraw_still_keeps_the_run(qtbot, window):
    for act in (window.start, window.reset):
        acting = _RightAfterTheRunsEnd(window, act)
        with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT):  # announced within act()
            assert window.start()
        assert acting.pending
        window.stop()  # the run Start began (none after Reset), kept in its turn
        qtbot.waitUntil(lambda: not window.running and window._run_end is None, timeout=RUN_TIMEOUT)
    assert _kept_runs(window) == 3  # the first, the second (stopped) and the third


def test_closing_the_window_before_the_last_redraw_still_keeps_the_run(qtbot, window):
    acting = _RightAfterTheRunsEnd(window, window.close)
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT):  # announced within close()
        assert window.start()
    assert acting.pending
    assert _kept_runs(window) == 1
