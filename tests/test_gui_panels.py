"""The plot panels on their own (no main window), as headless export uses them."""
import math

import numpy as np
import pytest
from PySide6.QtGui import QColor

from gui import style
from gui.controls import HyperparameterSpinBox
from gui.number_box import log_step
from gui.loss_panel import AccuracyPanel, LossPanel
from gui.landscape import contour_levels, contour_lines
from gui.path_panel import PathPanel
from nncore.experiment import Divergence, MnistHistory, MnistUpdate
from nncore.functions import FUNCTIONS
from nncore.optimizers import OPTIMIZERS
from nncore.paths import PathResult
from nncore.smoothing import ema, smooth_curve
from shown_widgets import shown


def test_every_optimizer_has_its_own_colour():
    assert set(style.OPTIMIZER_COLORS) == set(OPTIMIZERS)
    assert len({QColor(c).name() for c in style.OPTIMIZER_COLORS.values()}) == len(OPTIMIZERS)


@pytest.mark.parametrize("key", list(FUNCTIONS))
def test_contour_lines_lie_on_their_level(key):
    fn = FUNCTIONS[key]
    x0, x1, y0, y1 = fn.bounds
    levels = contour_lines(key)
    assert len(levels) > 5
    span = np.ptp([level for level, _ in levels])
    for level, lines in levels:
        assert lines, f"no line at level {level}"
        for xs, ys in lines:
            assert np.all((xs >= x0 - 1e-9) & (xs <= x1 + 1e-9) & (ys >= y0 - 1e-9) & (ys <= y1 + 1e-9))
            # Linear interpolation on a 240-point grid: values close to the level.
            assert np.median(np.abs(fn.f(xs, ys) - level)) < 0.05 * span


def test_log_levels_are_geometric_and_linear_levels_even():
    z = np.linspace(0, 1000, 10_000)
    log = contour_levels(z, "log", 8) - z.min()
    ratios = log[1:] / log[:-1]
    assert np.allclose(ratios, ratios[0]) and ratios[0] > 1
    linear = contour_levels(z, "linear", 8)
    assert np.allclose(np.diff(linear), np.diff(linear)[0])


def _path(n, diverged=None):
    points = np.column_stack([np.linspace(-5, 0, n + 1), np.linspace(2, 0, n + 1)])
    if diverged:
        return PathResult(points, diverged, "the position became infinite or NaN")
    return PathResult(points)


def test_path_panel_reveals_steps_and_hides_absent_optimizers(qtbot):
    panel = PathPanel()
    qtbot.addWidget(panel)
    panel.set_function("book")
    panel.set_start(-5.0, 2.0)
    assert panel.start == (-5.0, 2.0)
    assert panel.objectName() == "pathPlot"
    minima_x, minima_y = panel.minima_item.getData()
    assert (minima_x[0], minima_y[0]) == (0.0, 0.0)

    panel.set_paths({"SGD": _path(10), "Adam": _path(20)}, steps_shown=3)
    assert len(panel.path_items["SGD"].getData()[0]) == 4
    assert len(panel.path_items["Adam"].getData()[0]) == 4
    assert not panel.path_items["Momentum"].isVisible()
    panel.show_steps(15)
    assert len(panel.path_items["SGD"].getData()[0]) == 11  # all it has
    assert len(panel.path_items["Adam"].getData()[0]) == 16
    panel.set_paths({"Adam": _path(20)})  # None: everything at once
    xs, ys = panel.path_items["Adam"].getData()
    assert np.allclose(xs, _path(20).points[:, 0]) and len(xs) == 21
    assert not panel.path_items["SGD"].isVisible()
    assert panel.legend.labels() == ["Adam"]


def test_path_panel_legend_names_a_divergence_once_reached(qtbot):
    panel = PathPanel()
    qtbot.addWidget(panel)
    panel.set_function("book")
    panel.set_paths({"SGD": _path(5, diverged=6)}, steps_shown=2)
    assert panel.legend.labels() == ["SGD"]
    panel.show_steps(5)
    assert panel.legend.labels() == ["SGD \u2715"]
    assert panel.legend.item.toolTip() == ("SGD diverged at step 6: at step 6 the position became "
                                           "infinite or NaN")


def test_path_panel_view_follows_function(qtbot):
    panel = PathPanel()
    qtbot.addWidget(panel)
    panel.set_function("rosenbrock")
    (vx0, vx1), (vy0, vy1) = panel.plot_item.getViewBox().viewRange()
    x0, x1, y0, y1 = FUNCTIONS["rosenbrock"].bounds
    assert vx0 <= x0 < x1 <= vx1 and vy0 <= y0 < y1 <= vy1
    # Equal scale on both axes (the default): the view fits one axis tightly.
    assert vx1 - vx0 < 1.2 * (x1 - x0) or vy1 - vy0 < 1.2 * (y1 - y0)
    assert "Rosenbrock" in panel.plot_item.titleLabel.text


def _history(names=("SGD", "Adam"), total=50, done=40):
    history = MnistHistory(names, total)
    rng = np.random.default_rng(1)
    losses = {n: 2.3 * np.exp(-np.arange(done) / (10 + i)) + 0.1 * rng.random(done)
              for i, n in enumerate(names)}
    history.apply(MnistUpdate(0, done, total, losses,
                              {n: [(0, 0.1), (20, 0.8), (40, 0.9 + i / 100)] for i, n in enumerate(names)},
                              {}, 1.0))
    return history


def test_loss_panel_draws_raw_and_smoothed_curves(qtbot):
    panel = LossPanel()
    qtbot.addWidget(panel)
    history = _history()
    panel.set_history(history)
    raw_x, raw_y = panel.raw_items["Adam"].getData()
    assert np.array_equal(raw_x, np.arange(1, 41))
    assert np.allclose(raw_y, history.losses["Adam"][:40])
    assert np.allclose(panel.smooth_items["Adam"].getData()[1], smooth_curve(history.losses["Adam"][:40]))
    assert "Momentum" not in panel.raw_items  # items only for the labels a run has shown
    assert panel.legend.labels() == ["SGD", "Adam"]
    panel.set_history(_history(names=("SGD",)))  # a later run without Adam hides its curves
    assert not panel.raw_items["Adam"].isVisible() and not panel.smooth_items["Adam"].isVisible()
    assert panel.legend.labels() == ["SGD"]
    panel.set_history(history)

    panel.set_smoothing("ema", 0.5)
    assert np.allclose(panel.smooth_items["SGD"].getData()[1], ema(history.losses["SGD"][:40], 0.5))
    assert panel.strength_spin.isEnabled()
    panel.smoothing_combo.setCurrentIndex(panel.smoothing_combo.findData("none"))
    assert panel.smoothing == "none"
    assert np.allclose(panel.smooth_items["SGD"].getData()[1], history.losses["SGD"][:40])
    with pytest.raises(ValueError, match="unknown smoothing"):
        panel.set_smoothing("median")


def test_loss_panel_log_scale_is_a_true_log_axis(qtbot):
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.set_history(_history())
    panel.log_check.setChecked(True)
    assert panel.plot_item.ctrl.logYCheck.isChecked()
    # In log mode the curve's displayed data are log10 of the losses.
    shown = panel.raw_items["SGD"].getData()[1]
    assert np.allclose(shown, np.log10(panel.history.losses["SGD"][:40]))
    panel.set_log_y(False)
    assert not panel.plot_item.ctrl.logYCheck.isChecked()


def test_loss_and_accuracy_panels_mark_divergence_and_plot_percent(qtbot):
    history = _history()
    history.diverged["SGD"] = Divergence(17, "the loss became NaN")
    loss, accuracy = LossPanel(), AccuracyPanel()
    qtbot.addWidget(loss)
    qtbot.addWidget(accuracy)
    loss.set_history(history)
    accuracy.set_history(history)
    assert loss.legend.labels()[0] == "SGD \u2014 diverged: iteration 17, the loss became NaN"
    x, y = accuracy.items["Adam"].getData()
    assert np.array_equal(x, [0, 20, 40]) and np.allclose(y, [10, 80, 91])
    accuracy.set_history(None)
    assert not accuracy.items["Adam"].isVisible()


def test_log_step_walks_the_1_2_5_ladder():
    assert log_step(0.01, 1) == pytest.approx(0.02)
    assert log_step(0.02, 2) == pytest.approx(0.1)
    assert log_step(0.3, 1) == pytest.approx(0.5)
    assert log_step(0.3, -1) == pytest.approx(0.2)
    assert log_step(1.0, -3) == pytest.approx(0.1)


def test_hyperparameter_spin_box_follows_the_declaration(qtbot):
    lr = OPTIMIZERS["Adam"].hyperparameters[0]
    spin = HyperparameterSpinBox(lr)
    qtbot.addWidget(spin)
    assert spin.value() == pytest.approx(0.001) and spin.text() == "0.001"
    assert spin.minimum() == 0 and spin.maximum() == 100 and spin.range_text() == "(0, 100]"
    spin.stepBy(1)
    assert spin.value() == pytest.approx(0.002)
    spin.setValue(-3)  # shown as given and refused, never clamped
    assert spin.text() == "-3" and not spin.is_valid() and spin.value() == pytest.approx(0.002)
    with pytest.raises(ValueError, match=r"lr must be a number in \(0, 100\], got '-3'"):
        spin.checked_value()
    beta1 = OPTIMIZERS["Adam"].hyperparameters[1]
    box = HyperparameterSpinBox(beta1)
    qtbot.addWidget(box)
    box.setValue(1.0)  # the bound is excluded
    assert not box.is_valid() and "[0, 1)" in box.toolTip()
    box.setValue(0.9999)
    box.stepBy(-1)
    assert math.isclose(box.value(), 0.9999 - 0.01, rel_tol=1e-9)


def test_path_panel_draws_a_diverged_path_inside_the_clip_box(qtbot):
    panel = PathPanel()
    qtbot.addWidget(panel)
    panel.set_function("book")
    points = np.array([[-7.0, 2.0], [-7.0, -398.0], [-7.0, 8e4], [-7.0, -1.6e7]])
    panel.set_paths({"SGD": PathResult(points, 4, "the position exceeded 1e+150")})
    x, y = panel.path_items["SGD"].xData, panel.path_items["SGD"].yData
    assert np.nanmax(np.abs(y)) <= 10 + 100 * 20
    assert (x[0], y[0]) == (-7.0, 2.0)


def test_loss_options_row_can_be_hidden_for_pictures(qtbot):
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.resize(600, 400)
    panel.show()
    height = panel.plot_widget.height()
    panel.set_options_visible(False)
    qtbot.waitUntil(lambda: panel.plot_widget.height() > height)
    assert not panel.smoothing_combo.isVisible()


def test_loss_curves_are_drawn_as_their_envelope_per_pixel_column(qtbot):
    panel = shown(qtbot, LossPanel(), (500, 400))
    history = _history(total=5000, done=5000)
    panel.set_history(history)
    losses = history.losses["SGD"]
    smoothed = smooth_curve(losses)
    pixels = panel.plot_item.getViewBox().width()
    for item, values in ((panel.raw_items["SGD"], losses), (panel.smooth_items["SGD"], smoothed)):
        drawn_x, drawn_y = item.getData()  # what is drawn
        assert len(drawn_x) <= 3 * pixels < len(values)  # about two points (min, max) per pixel column
        assert drawn_y.max() == values.max() and drawn_y.min() == values.min()  # spikes kept
        assert np.isin(drawn_y, values).all()  # each drawn point is one of the curve's
        assert np.array_equal(item.yData, values)  # the item keeps the whole curve
    assert panel.smooth_items["SGD"].curve.opts["segmentedLineMode"] == "on"


def test_entry_colours_keep_each_optimizers_colour_and_never_repeat():
    from nncore.entries import make_entry

    entries = [make_entry("Adam", mnist={"lr": 0.001}), make_entry("Adam", mnist={"lr": 0.01}),
               make_entry("SGD"), make_entry("Momentum", color="#123456")]
    colors = style.entry_colors(entries)
    assert colors[0] == style.OPTIMIZER_COLORS["Adam"] and colors[2] == style.OPTIMIZER_COLORS["SGD"]
    assert colors[3] == "#123456"
    assert colors[1] not in (style.OPTIMIZER_COLORS["SGD"], style.OPTIMIZER_COLORS["Momentum"],
                             style.OPTIMIZER_COLORS["Adam"])
    assert len(set(colors)) == 4
    many = style.entry_colors([make_entry("SGD", mnist={"lr": 0.001 * (i + 1)}) for i in range(25)])
    assert len(set(many[:20])) == 20


def test_loss_panel_draws_an_entrys_repeats_as_a_mean_within_a_band(qtbot):
    from nncore.experiment import MnistHistory

    panel = LossPanel()
    qtbot.addWidget(panel)
    history = MnistHistory(("Adam #1", "Adam #2", "SGD #1", "SGD #2"), 10)
    history.losses["Adam #1"][:] = 1.0
    history.losses["Adam #2"][:] = 3.0
    history.losses["SGD #1"][:] = 2.0
    history.losses["SGD #2"][:] = 2.0
    history.completed = 10
    panel.set_smoothing("none")
    panel.set_history(history)
    panel.set_entries({"Adam": ["Adam #1", "Adam #2"], "SGD": ["SGD #1", "SGD #2"]},
                      {"Adam": "#d62728", "SGD": "#00ff00"})
    assert panel.legend.labels() == ["Adam", "SGD"]
    assert list(panel.smooth_items["Adam"].getData()[1]) == [2.0] * 10
    low, high, band = panel.band_items["Adam"]
    assert band.isVisible() and not panel.raw_items["Adam"].isVisible()
    assert not panel.band_combo.isHidden()  # the band switch is offered for repeats
    assert list(low.getData()[1]) == [1.0] * 10 and list(high.getData()[1]) == [3.0] * 10
    panel.band_combo.setCurrentIndex(1)  # +-1 std
    assert panel.band == "std"
    assert list(high.getData()[1]) == [3.0] * 10  # std of {1, 3} is 1
    assert panel.smooth_items["SGD"].opts["pen"].color().name() == "#00ff00"


def test_pinned_runs_are_overlaid_dashed_with_their_own_legend_lines(qtbot):
    from PySide6.QtCore import Qt as QtCore_Qt

    from nncore.experiment import MnistHistory

    panel = LossPanel()
    qtbot.addWidget(panel)
    current = MnistHistory(("Adam",), 5)
    current.losses["Adam"][:] = 1.0
    current.completed = 5
    past = MnistHistory(("Adam lr=0.01",), 5)
    past.losses["Adam lr=0.01"][:] = 2.0
    past.completed = 5
    panel.set_smoothing("none")
    panel.set_history(current)
    panel.set_overlays([("12:00:00", past, {"Adam lr=0.01": "#00aa00"})])
    item = panel.overlay_items[("12:00:00", "Adam lr=0.01")]
    assert list(item.getData()[1]) == [2.0] * 5
    assert item.opts["pen"].style() == QtCore_Qt.PenStyle.DashLine
    assert panel.legend.labels() == ["Adam", "Adam lr=0.01 (pinned 12:00:00)"]
    panel.set_overlays([])
    assert panel.overlay_items == {} and panel.legend.labels() == ["Adam"]
