"""The MNIST panels: training loss per iteration and test accuracy at the evaluation points.

Both draw an :class:`nncore.experiment.MnistHistory`, one curve per run entry (keyed by its
label; :meth:`_HistoryPanel.set_entries` gives each entry's colour and the history keys of its
repeats). An entry with several repeats is drawn as the mean of its repeats with a band (the
repeats' min to max, or mean +- 1 std: :meth:`LossPanel.set_band`). Their curve items are created
once per label and updated with ``setData`` on the full arrays, so a run longer than
the plot is wide stays correct; the loss curves are drawn with pyqtgraph's downsampling and
clip-to-view (see CURVE_DOWNSAMPLING).
The loss panel draws each optimizer's raw losses faint and a smoothed curve bold (smoothing:
none, the book's Kaiser window, or an EMA of selectable strength), on a linear or a true
logarithmic y axis.
"""
from __future__ import annotations


import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, QTimer
from PySide6.QtWidgets import (QCheckBox, QComboBox, QHBoxLayout, QLabel,
                               QVBoxLayout, QWidget)

from nncore.experiment import MnistHistory
from nncore.smoothing import ema, smooth_curve
from nncore.summary import BANDS, loss_band, mean_accuracy

from nncore.ranges import Range

from . import style
from .legend import OptimizerLegend, legend_label
from .number_box import NumberBox

SMOOTHING_MODES = {"none": "None", "book": "Book (Kaiser window)", "ema": "EMA"}
"""Smoothing key -> label shown in the combo box."""
DEFAULT_SMOOTHING = "book"
CURVE_SAMPLES_PER_PIXEL = 1.0
CURVE_DOWNSAMPLING = "peak"
"""Every loss curve, raw and smoothed, is thinned to about CURVE_SAMPLES_PER_PIXEL samples per pixel
column (pyqtgraph's auto downsampling, with clip-to-view; its default of 5 per pixel would leave
2000 iterations in a 470 px plot untouched). "peak" draws each column's min and max: the faint
band looks exactly as with every sample, shows the true spread and spikes of the minibatch
losses, and costs half the vertices per repaint; a smoothed curve's min and max in one column are
the curve itself. "mean" was compared on the book's 2000 iterations: it narrows the band into a
second smoothed curve hidden under the bold one, which hides the noise and misleads with
smoothing "None". The bold curves are 2 px wide and antialiased, which Qt strokes as one
polyline in time growing faster than its vertex count: 4 curves of 2000 iterations, 447 px wide,
took 15 ms to repaint with the book's smoothing and 39 ms with none. Thinned, and drawn one
segment at a time (no visible difference: the segments are opaque), 5 and 8 ms."""
DEFAULT_EMA_STRENGTH = 0.9
BAND_LABELS = {"minmax": "min–max", "std": "±1 std"}
"""Band key -> label in the band combo box."""
BAND_ALPHA = 50
"""Opacity (0-255) of the band around a mean curve."""
OVERLAY_ALPHA = 120
"""Opacity (0-255) of a pinned past run's dashed curves."""
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


def _divergence_reason(history: MnistHistory, rows: list[str]) -> str | None:
    """The legend's note for an entry whose repeats ``rows`` diverged (the first one's)."""
    divergences = [history.diverged[row] for row in rows if row in history.diverged]
    if not divergences:
        return None
    first = min(divergences, key=lambda d: d.iteration)
    count = f"{len(divergences)} of {len(rows)} repeats, " if len(rows) > 1 else ""
    return f"{count}iteration {first.iteration}, {first.reason}"


def _not_learning_reason(history: MnistHistory, rows: list[str]) -> str | None:
    """The legend's note for an entry one of whose repeats ``rows`` was found not learning."""
    stalls = [history.not_learning[row] for row in rows if row in history.not_learning]
    if not stalls:
        return None
    first = min(stalls, key=lambda s: s.iteration)
    count = f"{len(stalls)} of {len(rows)} repeats, " if len(rows) > 1 else ""
    return f"{count}iteration {first.iteration}, {first.reason}"


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
        self.legend = OptimizerLegend(self.plot_item, legend_offset)
        self.hint = pg.TextItem(EMPTY_HINT, color=style.HINT_COLOR, anchor=(0.5, 0.5))
        self.hint.setParentItem(self.plot_item.getViewBox())
        self.plot_item.getViewBox().sigResized.connect(self._center_hint)
        self.history: MnistHistory | None = None
        self.groups: dict[str, list[str]] = {}
        self.colors: dict[str, str] = {}
        self.overlay_items: dict[tuple[str, str], pg.PlotDataItem] = {}
        """(pinned run's tag, entry label) -> its dashed curve."""
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

    def set_entries(self, groups: dict[str, list[str]] | None, colors: dict[str, str] | None = None) -> None:
        """Draw the history as entries: label -> the history keys of its repeats (None: each
        key alone), each in ``colors[label]`` ('#rrggbb'; a default colour otherwise).

        The entries' curve items are made by a timer right after (hidden until drawn): when a
        run starts, its items are made between Start and the first redraw of its data, in an
        event-loop task of their own (the first redraw makes any still missing)."""
        self.groups = dict(groups or {})
        self.colors = dict(colors or {})
        QTimer.singleShot(1, self, lambda: self._make_items(self.groups))
        self._recolor()
        self.redraw()

    def shown_groups(self) -> dict[str, list[str]]:
        """Label -> history keys of the curves drawn: the entries given by :meth:`set_entries`
        when they match the history, else one curve per history key."""
        if self.history is None:
            return {}
        names = set(self.history.names)
        if self.groups and {row for rows in self.groups.values() for row in rows} == names:
            return self.groups
        return {name: [name] for name in self.history.names}

    def set_overlays(self, overlays: list[tuple[str, MnistHistory, dict[str, str]]]) -> None:
        """Draw pinned past runs beside the current one: (tag such as the run's time, its
        history with one curve per entry, label -> colour), dashed and fainter."""
        for item in self.overlay_items.values():
            self.plot_item.removeItem(item)
        self.overlay_items = {}
        for tag, history, colors in overlays:
            for label in history.names:
                color = colors.get(label) or style.name_color(label)
                item = pg.PlotDataItem(pen=style.hex_pen(color, width=1.5, alpha=OVERLAY_ALPHA, dashed=True))
                item.setZValue(-2)
                x, y = self._overlay_curve(history, label)
                item.setData(x, y, connect="finite")
                self.plot_item.addItem(item)
                self.overlay_items[(tag, label)] = item
        self.redraw()

    def _overlay_curve(self, history: MnistHistory, label: str) -> tuple[np.ndarray, np.ndarray]:  # pragma: no cover - abstract
        raise NotImplementedError

    def color_of(self, label: str) -> str:
        """The colour of the curve ``label``."""
        return self.colors.get(label) or style.name_color(label)

    def _recolor(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _make_items(self, labels) -> None:  # pragma: no cover - abstract
        """Make the (hidden) plot items of each curve of ``labels`` that has none yet."""
        raise NotImplementedError

    def redraw(self) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _center_hint(self) -> None:
        """Keep the empty-plot hint in the middle of the data area."""
        area = self.plot_item.getViewBox().boundingRect()
        self.hint.setPos(area.center())

    def _show_hint(self) -> None:
        """The hint to press Start, with no tick values, while there is nothing to draw.

        The values are drawn transparent rather than left out: the axes keep the room for them,
        so the first curves of a run do not re-lay the plot out (which cost the window a
        cascade of three repaints, ~60 ms, in the middle of training's first redraw)."""
        empty = self.history is None
        self.hint.setVisible(empty)
        for side in ("bottom", "left"):
            axis = self.plot_item.getAxis(side)
            if (axis.textPen().color().alpha() == 0) != empty:
                axis.setTextPen(style.hex_color(style.FOREGROUND, 0 if empty else 255))

    def _show_legend(self, samples: dict[str, pg.PlotDataItem]) -> None:
        """Show the legend of ``samples``, placed for the view range the new data gives.

        The auto range is brought up to date first (pyqtgraph would do it at the start of the
        next paint): a range changed in the middle of a paint makes Qt paint the plot a second
        time, and the legend would be placed for the old range."""
        self.plot_item.getViewBox().prepareForPaint()
        self.legend.show([(samples[label], legend_label(label, _divergence_reason(self.history, rows),
                                                              _not_learning_reason(self.history, rows)))
                          for label, rows in self.shown_groups().items()]
                         + [(item, f"{label} (pinned {tag})") for (tag, label), item in self.overlay_items.items()])
        self._show_hint()


class LossPanel(_HistoryPanel):
    """Training loss per iteration: raw values faint, smoothed bold, optional log-scale y."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Curve items are made by :meth:`redraw` for each run label when it is first drawn (a
        window opens faster than with items for all 17 registered optimizers)."""
        super().__init__("lossPlot", "Training loss of every iteration, one curve per optimizer",
                         "Training loss (MNIST)", "loss", (-10, 10), parent)
        self.raw_items: dict[str, pg.PlotDataItem] = {}
        self.smooth_items: dict[str, pg.PlotDataItem] = {}
        self.band_items: dict[str, tuple[pg.PlotCurveItem, pg.PlotCurveItem, pg.FillBetweenItem]] = {}
        self.smoothing = DEFAULT_SMOOTHING
        self.ema_strength = DEFAULT_EMA_STRENGTH
        self.band = BANDS[0]
        self._build_options()

    def _add_items(self, label: str) -> None:
        """The raw, smoothed and band items of the curve ``label`` (hidden until drawn)."""
        color = self.color_of(label)
        # No antialiasing for the jagged raw curves: it is most of their drawing time.
        raw = pg.PlotDataItem(pen=style.hex_pen(color, width=1, alpha=style.RAW_ALPHA), antialias=False,
                              autoDownsampleFactor=CURVE_SAMPLES_PER_PIXEL)
        bold = pg.PlotDataItem(pen=style.hex_pen(color), symbolSize=SINGLE_POINT_SYMBOL_SIZE,
                               symbolPen=None, symbolBrush=style.hex_color(color),
                               autoDownsampleFactor=CURVE_SAMPLES_PER_PIXEL)
        low, high = pg.PlotCurveItem(), pg.PlotCurveItem()
        band = pg.FillBetweenItem(low, high, brush=style.hex_color(color, BAND_ALPHA))
        band.setZValue(-1)
        band.setVisible(False)
        self.plot_item.addItem(band)
        for z, item in enumerate((raw, bold)):
            item.setZValue(z)  # every smoothed curve above every raw one
            item.setVisible(False)
            self.plot_item.addItem(item)
        # After addItem, which gives an item the plot's own (no) downsampling.
        for item in (raw, bold):
            item.setDownsampling(auto=True, method=CURVE_DOWNSAMPLING)
            item.setClipToView(True)
        bold.curve.setSegmentedLineMode("on")  # see CURVE_DOWNSAMPLING
        self.raw_items[label] = raw
        self.smooth_items[label] = bold
        self.band_items[label] = (low, high, band)
        self.legend.set_items(label, (raw, bold, band))

    def _make_items(self, labels) -> None:
        for label in labels:
            if label not in self.raw_items:
                self._add_items(label)

    def _overlay_curve(self, history: MnistHistory, label: str) -> tuple[np.ndarray, np.ndarray]:
        values = history.losses[label][:history.completed]
        return np.arange(1, len(values) + 1), smoothed(values, self.smoothing, self.ema_strength)

    def _recolor(self) -> None:
        for label in self.raw_items:
            color = self.color_of(label)
            self.raw_items[label].setPen(style.hex_pen(color, width=1, alpha=style.RAW_ALPHA))
            self.smooth_items[label].setPen(style.hex_pen(color))
            self.smooth_items[label].setSymbolBrush(style.hex_color(color))
            self.band_items[label][2].setBrush(style.hex_color(color, BAND_ALPHA))

    def set_band(self, band: str) -> None:
        """Draw the band around a mean curve as the repeats' 'minmax' or mean +- 1 'std'."""
        if band not in BANDS:
            raise ValueError(f"band must be one of {', '.join(BANDS)}, got {band!r}")
        self.band = band
        with QSignalBlocker(self.band_combo):
            self.band_combo.setCurrentIndex(list(BANDS).index(band))
        self.redraw()

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
        self.band_combo = QComboBox()
        self.band_combo.setObjectName("lossBandCombo")
        self.band_combo.setToolTip("The band around an entry's mean curve over its repeats")
        for key in BANDS:
            self.band_combo.addItem(BAND_LABELS[key], key)
        self.log_check = QCheckBox("Log y")
        self.log_check.setObjectName("lossLogYCheck")
        self.log_check.setToolTip("Logarithmic loss axis")
        row.addWidget(QLabel("Smoothing:"))
        row.addWidget(self.smoothing_combo)
        row.addWidget(QLabel("EMA:"))  # short: the row fits a 1024 px window's MNIST column
        row.addWidget(self.strength_spin)
        row.addStretch(1)
        self.band_label = QLabel("Band:")
        row.addWidget(self.band_label)
        row.addWidget(self.band_combo)
        for widget in (self.band_label, self.band_combo):
            widget.setVisible(False)  # shown for runs with repeats, which have bands
        row.addWidget(self.log_check)
        self.layout_.insertWidget(0, self.options)
        self.smoothing_combo.currentIndexChanged.connect(
            lambda: self.set_smoothing(self.smoothing_combo.currentData(), self.strength_spin.value()))
        self.strength_spin.valueChanged.connect(
            lambda value: self.set_smoothing(self.smoothing, value))
        self.log_check.toggled.connect(self.set_log_y)
        self.band_combo.currentIndexChanged.connect(lambda: self.set_band(self.band_combo.currentData()))
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
        """Set every curve from the current history with the current smoothing: an entry with
        one repeat raw and smoothed, one with several as the smoothed mean within its band."""
        history = self.history
        groups = self.shown_groups()
        repeated = any(len(rows) > 1 for rows in groups.values())
        for widget in (self.band_label, self.band_combo):
            widget.setVisible(repeated)
        self._make_items(groups)
        for label in self.raw_items:
            rows = groups.get(label)
            raw, bold = self.raw_items[label], self.smooth_items[label]
            low_item, high_item, band = self.band_items[label]
            raw.setVisible(bool(rows) and len(rows) == 1)
            bold.setVisible(bool(rows))
            band.setVisible(bool(rows) and len(rows) > 1)
            if not rows:
                raw.setData([], [])
                bold.setData([], [])
                continue
            x = np.arange(1, history.completed + 1)
            # One iteration is a point, not a line: without a symbol nothing would be drawn.
            single = history.completed == 1
            if (bold.opts["symbol"] is not None) != single:
                bold.setSymbol("o" if single else None)
            if len(rows) == 1:
                values = history.losses[rows[0]][:history.completed]
                raw.setData(x, values, connect="finite")
                bold.setData(x, smoothed(values, self.smoothing, self.ema_strength), connect="finite")
                continue
            raw.setData([], [])
            mean, low, high = (curve[:history.completed] for curve in loss_band(history, rows, self.band))
            bold.setData(x, smoothed(mean, self.smoothing, self.ema_strength), connect="finite")
            low_item.setData(x, smoothed(low, self.smoothing, self.ema_strength), connect="finite")
            high_item.setData(x, smoothed(high, self.smoothing, self.ema_strength), connect="finite")
        self._show_legend(self.smooth_items)


class AccuracyPanel(_HistoryPanel):
    """Test accuracy (percent) at the evaluation points, one line with markers per optimizer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        """Items are made by :meth:`redraw` for each run label when it is first drawn."""
        super().__init__("accuracyPlot", "Test accuracy at each evaluation, one curve per optimizer",
                         "Test accuracy (MNIST)", "accuracy (%)", (-10, -10), parent)
        self.plot_item.setYRange(0, 100, padding=0.02)
        self.items: dict[str, pg.PlotDataItem] = {}
        self._drawn_history: MnistHistory | None = None
        self._drawn_counts: tuple | None = None

    def _add_item(self, label: str) -> None:
        color = self.color_of(label)
        item = pg.PlotDataItem(pen=style.hex_pen(color), symbol="o", symbolSize=6, symbolPen=None,
                               symbolBrush=style.hex_color(color))
        item.setVisible(False)
        self.plot_item.addItem(item)
        self.items[label] = item
        self.legend.set_items(label, (item,))

    def _make_items(self, labels) -> None:
        for label in labels:
            if label not in self.items:
                self._add_item(label)

    def _overlay_curve(self, history: MnistHistory, label: str) -> tuple[np.ndarray, np.ndarray]:
        points = np.array(history.accuracies[label], dtype=float).reshape(-1, 2)
        return points[:, 0], 100.0 * points[:, 1]

    def _recolor(self) -> None:
        for label, item in self.items.items():
            color = self.color_of(label)
            item.setPen(style.hex_pen(color))
            item.setSymbolBrush(style.hex_color(color))
        self._drawn_counts = None

    def redraw(self) -> None:
        """Set every curve from the current history: each entry's test accuracy (the mean over
        its repeats at the evaluations all of them reached)."""
        history = self.history
        groups = self.shown_groups()
        counts = None if history is None else (
            tuple(len(points) for points in history.accuracies.values()), tuple(history.diverged),
            tuple(groups), tuple(self.overlay_items))
        if history is not None and history is self._drawn_history and counts == self._drawn_counts:
            return  # nothing new: evaluations are rare, so most frames skip the repaint
        # Keep the history itself, not its id, which a later history could reuse.
        self._drawn_history, self._drawn_counts = history, counts
        self._make_items(groups)
        for label, item in self.items.items():
            rows = groups.get(label)
            points = np.array(mean_accuracy(history, rows), dtype=float).reshape(-1, 2) \
                if rows else np.empty((0, 2))
            item.setVisible(bool(rows))
            item.setData(points[:, 0], 100.0 * points[:, 1])
        self._show_legend(self.items)
