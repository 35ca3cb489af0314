"""During training the window spaces its redraws of the MNIST curves by their own CPU cost
(gui.main_window.CURVE_CPU_SHARE): the niced training processes keep the rest of the cores."""
import time

from gui.main_window import CURVE_CPU_SHARE, CURVE_FRAME_S


def test_a_costly_redraw_postpones_the_next_by_its_cost_over_the_share(window):
    now = time.perf_counter()
    window._curves_cpu = None  # the last redraw has been measured
    window._curves_cost = 0.05  # CPU seconds, repaint included
    wait = 0.05 / CURVE_CPU_SHARE
    assert wait > CURVE_FRAME_S
    window._curves_drawn = now - 0.9 * wait
    assert not window._curves_due(now)
    window._curves_drawn = now - 1.1 * wait
    assert window._curves_due(now)
    window._curves_cost = 0.0  # cheap redraws: at most every CURVE_FRAME_S
    window._curves_drawn = now - 0.5 * CURVE_FRAME_S
    assert not window._curves_due(now)


def test_the_next_frame_tick_measures_the_redraws_cost(window):
    window.running = True
    window._history_dirty = False
    window._curves_cpu = time.thread_time() - 0.02  # a redraw 20 ms of CPU ago, not yet measured
    assert not window._curves_due(time.perf_counter() + 100)  # not before it is measured
    window._frame()
    assert window._curves_cpu is None and window._curves_cost >= 0.02
    window.running = False
