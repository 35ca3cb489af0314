"""The MNIST panels: training loss per iteration and test accuracy at the evaluation points.

Both draw an :class:`nncore.experiment.MnistHistory`. Their curve items (one per registered
optimizer) are created once and updated with ``setData`` on the full arrays, so a run longer than
the plot is wide stays correct; the raw loss curves are drawn with pyqtgraph's downsampling and
clip-to-view (see RAW_DOWNSAMPLING).
The loss panel draws each optimizer's raw losses faint and a smoothed curve bold (smoothing:
none, the book's Kaiser window, or an EMA of selectable strength), on a linear or a true
logarithmic y axis.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel,
                               QVBoxLayout, QWidget)

from nncore.experiment import MnistHistory
from nncore.optimizers import OPTIMIZERS
from nncore.smoothing import ema, smooth_curve

from nncore.ranges import Range

from . import style
from .number_box import NumberBox

SMOOTHING_MODES = {"none": "None", "book": "Book (Kaiser window)", "ema": "EMA"}
"""Smoothing key -> label shown in the combo box."""
DEFAULT_SMOOTHING = "book"
RAW_SAMPLES_PER_PIXEL = 1.0
RAW_DOWNSAMPLING = "peak"
"""The raw loss curves are thinned to about RAW_SAMPLES_PER_PIXEL samples per pixel column
(pyqtgraph's auto downsampling, with clip-to-view; its default of 5 per pixel would leave 2000
iterations in a 470 px plot untouched). "peak" draws each column's min and max: the faint band
looks exactly as with every sample, shows the true spread and spikes of the minibatch losses, and
costs half the vertices per repaint. "mean" was compared on the book's 2000 iterations: it
narrows the band into a second smoothed curve hidden under the bold one, which hides the noise
and misleads with smoothing "None". The smoothed curves are drawn in full."""
DEFAULT_EMA_STRENGTH = 0.9
EMA_STRENGTH = Range("EMA strength", 0, 1, maximum_inclusive=False)
"""Valid weights on the past of nncore.smoothing.ema."""
EMPTY_HINT = "Press Start (Ctrl+Return) to train"
"""Shown in an empty MNIST plot instead of bare 0-1 axes."""
SINGLE_POINT_SYMBOL_SIZE = 8
"""A loss curve of one iteration has no line to draw: it is drawn as a dot this many px wide."""


def smoothed(values: np.ndarray, mode: str, strength: float = DEFAULT_EMA_STRENGTH) -> np.ndarray:
    """``values`` smoothed by ``mode`` ('none', 'book' or 'ema' with weight ``strength``)."""
    if mode == "book":
        return smooth_curve(values)
    if mode == "ema":
        return ema(values, strength)
    if mode == "none":
        return np.asarray(values, dtype=float)
    raise ValueError(f"unknown smoothing {mode!r}; choose from {', '.join(SMOOTHING_MODES)}")


def _divergence_reason(history: MnistHistory, name: str) -> str | None:
    divergence = history.diverged.get(name)
    return None if divergence is None else f"iteration {divergence.iteration}, {divergence.reason}"


def _not_learning_reason(history: MnistHistory, name: str) -> str | None:
    stall = history.not_learning.get(name)
    return None if stall is None else f"iteration {stall.iteration}, {stall.reason}"


class _HistoryPanel(QWidget):
    """A plot of one quantity of an MnistHistory, one item per optimizer, with a legend."""

    def __init__(self, object_name: str, tooltip: str, title: str, y_label: str,
                 legend_offset: tuple[float, float], parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName(object_name)
        self.setToolTip(tooltip)
        self.plot_widget = style.make_plot_widget(title, "iteration", y_label)
        self.plot_widget.setObjectName(f"{object_name}View")
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.legend = style.OptimizerLegend(self.plot_item, legend_offset)
        self.hint = pg.TextItem(EMPTY_HINT, color=style.HINT_COLOR, anchor=(0.5, 0.5))
        self.hint.setParentItem(self.plot_item.getViewBox())
        self.plot_item.getViewBox().sigResized.connect(self._center_hint)
        self.history: MnistHistory | None = None
        self._total = 0
        self.layout_ = QVBoxLayout(self)
        self.layout_.setContentsMargins(0, 0, 0, 0)
        self.layout_.setSpacing(2)
        self.layout_.addWidget(self.plot_widget, 1)
        self._show_hint()

    def set_history(self, history: MnistHistory | None) -> None:
        """Draw ``history`` now (None clears the plot)."""
        self.history = history
        if history is not None and history.total != self._total:
            self._total = history.total
            # A short run's last point would sit on the edge: more room around a few iterations.
            self.plot_item.setXRange(0, history.total, padding=0.01 if history.total >= 100 else 0.08)
        self.redraw()

    def redraw(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _center_hint(self) -> None:
        """Keep the empty-plot hint in the middle of the data area."""
        area = self.plot_item.getViewBox().boundingRect()
        self.hint.setPos(area.center())

    def _show_hint(self) -> None:
        """The hint to press Start, with no tick values, while there is nothing to draw."""
        empty = self.history is None
        self.hint.setVisible(empty)
        for side in ("bottom", "left"):
            self.plot_item.getAxis(side).setStyle(showValues=not empty)

    def _show_legend(self, samples: dict[str, pg.PlotDataItem]) -> None:
        names = self.history.names if self.history is not None else ()
        self.legend.show([(samples[name], style.legend_label(name, _divergence_reason(self.history, name),
                                                             _not_learning_reason(self.history, name)))
                          for name in names])
        self._show_hint()


class LossPanel(_HistoryPanel):
    """Training loss per iteration: raw values faint, smoothed bold, optional log-scale y."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("lossPlot", "Training loss of every iteration, one curve per optimizer",
                         "Training loss (MNIST)", "loss", (-10, 10), parent)
        self.raw_items: dict[str, pg.PlotDataItem] = {}
        self.smooth_items: dict[str, pg.PlotDataItem] = {}
        for name in OPTIMIZERS:
            # No antialiasing for the jagged raw curves: it is most of their drawing time.
            raw = pg.PlotDataItem(pen=style.pen(name, width=1, alpha=style.RAW_ALPHA), antialias=False,
                                 autoDownsampleFactor=RAW_SAMPLES_PER_PIXEL)
            bold = pg.PlotDataItem(pen=style.pen(name), symbolSize=SINGLE_POINT_SYMBOL_SIZE,
                                   symbolPen=None, symbolBrush=style.color(name))
            for z, item in enumerate((raw, bold)):
                item.setZValue(z)  # every smoothed curve above every raw one
                item.setVisible(False)
                self.plot_item.addItem(item)
            # After addItem, which gives an item the plot's own (no) downsampling.
            raw.setDownsampling(auto=True, method=RAW_DOWNSAMPLING)
            raw.setClipToView(True)
            self.raw_items[name] = raw
            self.smooth_items[name] = bold
            self.legend.set_items(name, (raw, bold))
        self.smoothing = DEFAULT_SMOOTHING
        self.ema_strength = DEFAULT_EMA_STRENGTH
        self._build_options()

    def _build_options(self) -> None:
        self.options = QWidget()
        self.options.setObjectName("lossOptions")
        row = QHBoxLayout(self.options)
        row.setContentsMargins(4, 0, 4, 0)
        self.smoothing_combo = QComboBox()
        self.smoothing_combo.setObjectName("lossSmoothingCombo")
        self.smoothing_combo.setToolTip("How the bold loss curves are smoothed")
        for key, label in SMOOTHING_MODES.items():
            self.smoothing_combo.addItem(label, key)
        self.smoothing_combo.setCurrentIndex(list(SMOOTHING_MODES).index(self.smoothing))
        self.strength_spin = NumberBox(EMA_STRENGTH, 0.05, "EMA strength: weight on the past, "
                                       "0 (none) to nearly 1 (heavy)")
        self.strength_spin.setObjectName("lossEmaStrengthSpin")
        self.strength_spin.setValue(self.ema_strength)
        self.log_check = QCheckBox("Log y")
        self.log_check.setObjectName("lossLogYCheck")
        self.log_check.setToolTip("Logarithmic loss axis")
        row.addWidget(QLabel("Smoothing:"))
        row.addWidget(self.smoothing_combo)
        row.addWidget(QLabel("EMA strength:"))
        row.addWidget(self.strength_spin)
        row.addStretch(1)
        row.addWidget(self.log_check)
        self.layout_.insertWidget(0, self.options)
        self.smoothing_combo.currentIndexChanged.connect(
            lambda: self.set_smoothing(self.smoothing_combo.currentData(), self.strength_spin.value()))
        self.strength_spin.valueChanged.connect(
            lambda value: self.set_smoothing(self.smoothing, value))
        self.log_check.toggled.connect(self.set_log_y)
        self._sync_strength_enabled()

    def set_options_visible(self, visible: bool) -> None:
        """Show or hide the smoothing / log-y row above the plot (hidden for exported pictures)."""
        self.options.setVisible(visible)

    def _sync_strength_enabled(self) -> None:
        self.strength_spin.setEnabled(self.smoothing == "ema")

    def set_smoothing(self, mode: str, strength: float | None = None) -> None:
        """Smooth the bold curves by ``mode`` ('none', 'book', 'ema'); ``strength`` for 'ema'."""
        smoothed(np.zeros(1), mode)  # rejects an unknown mode before anything changes
        self.smoothing = mode
        if strength is not None:
            self.ema_strength = float(strength)
        with QSignalBlocker(self.smoothing_combo), QSignalBlocker(self.strength_spin):
            self.smoothing_combo.setCurrentIndex(list(SMOOTHING_MODES).index(mode))
            self.strength_spin.setValue(self.ema_strength)
        self._sync_strength_enabled()
        self.redraw()

    def set_log_y(self, on: bool) -> None:
        """Use a logarithmic (True) or linear (False) loss axis."""
        with QSignalBlocker(self.log_check):
            self.log_check.setChecked(on)
        self.plot_item.setLogMode(x=False, y=bool(on))

    @property
    def log_y(self) -> bool:
        return self.log_check.isChecked()

    def redraw(self) -> None:
        """Set every curve from the current history with the current smoothing."""
        history = self.history
        names = set(history.names) if history is not None else set()
        for name in OPTIMIZERS:
            shown = name in names
            self.raw_items[name].setVisible(shown)
            self.smooth_items[name].setVisible(shown)
            if not shown:
                self.raw_items[name].setData([], [])
                self.smooth_items[name].setData([], [])
                continue
            values = history.losses[name][:history.completed]
            x = np.arange(1, len(values) + 1)
            self.raw_items[name].setData(x, values, connect="finite")
            # One iteration is a point, not a line: without a symbol nothing would be drawn.
            bold = self.smooth_items[name]
            single = len(values) == 1
            if (bold.opts["symbol"] is not None) != single:
                bold.setSymbol("o" if single else None)
            bold.setData(x, smoothed(values, self.smoothing, self.ema_strength), connect="finite")
        self._show_legend(self.smooth_items)


class AccuracyPanel(_HistoryPanel):
    """Test accuracy (percent) at the evaluation points, one line with markers per optimizer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__("accuracyPlot", "Test accuracy at each evaluation, one curve per optimizer",
                         "Test accuracy (MNIST)", "accuracy (%)", (-10, -10), parent)
        self.plot_item.setYRange(0, 100, padding=0.02)
        self.items: dict[str, pg.PlotDataItem] = {}
        self._drawn_history: MnistHistory | None = None
        self._drawn_counts: tuple | None = None
        for name in OPTIMIZERS:
            item = pg.PlotDataItem(pen=style.pen(name), symbol="o", symbolSize=6, symbolPen=None,
                                   symbolBrush=style.color(name))
            item.setVisible(False)
            self.plot_item.addItem(item)
            self.items[name] = item
            self.legend.set_items(name, (item,))

    def redraw(self) -> None:
        """Set every curve from the current history."""
        history = self.history
        names = set(history.names) if history is not None else set()
        counts = None if history is None else (
            tuple(len(points) for points in history.accuracies.values()), tuple(history.diverged))
        if history is not None and history is self._drawn_history and counts == self._drawn_counts:
            return  # nothing new: evaluations are rare, so most frames skip the repaint
        # Keep the history itself, not its id, which a later history could reuse.
        self._drawn_history, self._drawn_counts = history, counts
        for name, item in self.items.items():
            points = np.array(history.accuracies[name], dtype=float).reshape(-1, 2) \
                if name in names else np.empty((0, 2))
            item.setVisible(name in names)
            item.setData(points[:, 0], 100.0 * points[:, 1])
        self._show_legend(self.items)
