"""The theory tab: closed-form rates of the quadratic beside the rates measured on the paths.

The readout (for the book's function and the rotatable quadratic) gives kappa, gradient
descent's largest stable and fastest learning rates with its rate, the heavy ball's optimum
(the book's Momentum) with its rate, and for each path its predicted and measured rate
(:mod:`nncore.theory`). The plot shows log10 of each path's distance to the minimum per step,
with the predicted rate as a dashed line of slope log10(rho) through the path's last point, so
the two slopes can be compared by eye. "Snap to optimal" asks for the fastest values of the
optimizer selected in the control panel (:attr:`TheoryPanel.snapRequested`).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import (QFrame, QHBoxLayout, QLabel, QPushButton, QScrollArea, QSplitter,
                               QVBoxLayout, QWidget)

from nncore.functions import get_function
from nncore.paths import PathResult
from nncore.files import write_text
from nncore.theory import (MEASURE_WINDOW, QuadraticTheory, curvatures, measured_rate,
                           nearest_minimum, optimal_hyperparameters, predicted_rate, theory_csv,
                           theory_record)

from . import style
from .legend import OptimizerLegend

THEORY_CSV = "theory.csv"
OSCILLATION_NOTE = (f"Measured: slope of log\u2009\u2016x\u2096 \u2212 x*\u2016 over the last "
                    f"{MEASURE_WINDOW} points. Oscillating paths (Momentum with \u03b2 &gt; \u03b2*, "
                    f"SGD near its largest rate) settle on the predicted rate only over more steps.")


def _rate(value: float | None) -> str:
    """A rate for the table: four decimals, or four digits for a diverging path's growth."""
    if value is None:
        return "\u2014"
    return f"{value:.4f}" if value < 10 else f"{value:.4g}"


class TheoryPanel(QWidget):
    """The readout, the Snap button and the distance-to-minimum plot."""

    snapRequested = Signal(str, object)
    """(optimizer, {hyperparameter: value}): the fastest values of the selected optimizer."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("theoryPanel")
        self.function_key = "book"
        self.paths: dict[str, PathResult] = {}
        self.path_hyperparameters: dict[str, dict[str, float]] = {}
        self.rules: dict[str, str | None] = {}
        """Path name -> the optimizer whose closed-form rate applies (None: none does)."""
        self.colors: dict[str, str] = {}
        """Path name -> its entry's colour ('#rrggbb'), as in every other panel."""
        self.selected = "SGD"
        self.readout = QLabel()
        self.readout.setObjectName("theoryReadout")
        self.readout.setTextFormat(Qt.TextFormat.RichText)
        self.readout.setWordWrap(True)
        self.readout.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.snap_button = QPushButton("Snap to optimal")
        self.snap_button.setObjectName("theorySnapButton")
        self.snap_button.clicked.connect(self._snap)
        buttons = QHBoxLayout()
        buttons.addWidget(self.snap_button)
        buttons.addStretch(1)
        self.plot_widget = style.make_plot_widget("Distance to the minimum", "step k",
                                                  "log10 \u2016x\u2096 \u2212 x*\u2016")
        self.plot_widget.setObjectName("theoryPlotView")
        self.plot_item: pg.PlotItem = self.plot_widget.getPlotItem()
        self.plot_item.getAxis("left").enableAutoSIPrefix(False)  # log10 values, not "x0.001"
        self.legend = OptimizerLegend(self.plot_item)
        self._curves: dict[str, tuple[pg.PlotDataItem, pg.PlotDataItem]] = {}
        # The readout scrolls rather than clipping in a narrow tab; a splitter shares the height.
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addWidget(self.readout)
        top_layout.addStretch(1)
        scroll = QScrollArea()
        scroll.setObjectName("theoryReadoutScroll")
        scroll.setWidget(top)
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("theorySplitter")
        splitter.addWidget(scroll)
        splitter.addWidget(self.plot_widget)
        splitter.setSizes([300, 320])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.addLayout(buttons)
        layout.addWidget(splitter)
        self.refresh()

    # -- inputs --------------------------------------------------------------------------------
    def set_inputs(self, function_key: str, selected: str) -> None:
        """The function of the 2D settings and the optimizer selected in the control panel."""
        if (function_key, selected) != (self.function_key, self.selected):
            self.function_key, self.selected = function_key, selected
            self.refresh()

    def set_paths(self, paths: dict[str, PathResult], hyperparameters: dict[str, dict[str, float]],
                  rules: dict[str, str | None] | None = None) -> None:
        """The paths of the last run, with the hyperparameters they ran with and, by path name,
        the optimizer whose closed-form rate applies (:func:`nncore.theory.path_rules`; a name
        missing from ``rules`` is its own optimizer)."""
        self.paths = dict(paths)
        self.path_hyperparameters = {name: dict(hyperparameters[name]) for name in paths}
        self.rules = {name: (rules or {}).get(name, name) for name in paths}
        self.refresh()

    def set_colors(self, colors: dict[str, str]) -> None:
        """Draw each path name's row and curves in ``colors[name]`` ('#rrggbb'); a name not
        there keeps the colour its own name gives it."""
        if colors != self.colors:
            self.colors = dict(colors)
            for name, curves in self._curves.items():
                for item, dashed in zip(curves, (False, True)):
                    item.setPen(style.hex_pen(self._color(name), dashed=dashed))
            self.refresh()

    def _color(self, name: str) -> str:
        return self.colors.get(name) or style.name_color(name)

    def record(self) -> dict | None:
        """The ``"theory"`` record of the shown paths (None unless the function is a quadratic)."""
        if not self.paths:
            return None
        return theory_record(get_function(self.function_key), self.path_hyperparameters,
                             {name: result.points for name, result in self.paths.items()}, self.rules)

    # -- drawing -------------------------------------------------------------------------------
    def refresh(self) -> None:
        """Rewrite the readout, the Snap button and the plot."""
        fn = get_function(self.function_key)
        lambdas = curvatures(fn)
        self.readout.setText(self._readout_html(fn, lambdas))
        best = None if lambdas is None else optimal_hyperparameters(self.selected, lambdas)
        self.snap_button.setEnabled(best is not None)
        if best is None:
            self.snap_button.setText("Snap to optimal")
            self.snap_button.setToolTip("Closed-form optima exist for SGD and Momentum on the "
                                        "quadratics (book, quadratic); select one of them")
        else:
            values = ", ".join(f"{k} {v:.4g}" for k, v in best.items())
            self.snap_button.setText(f"Snap {self.selected} to optimal ({values})")
            self.snap_button.setToolTip(f"Set {self.selected}'s 2D hyperparameters to the fastest "
                                        f"values of the theory")
        self._draw_distances(fn, lambdas)

    def _readout_html(self, fn, lambdas) -> str:
        if lambdas is None:
            head = (f"<b>{fn.name}</b> is not a quadratic: no closed-form rates. The measured rate "
                    f"is taken toward the minimum nearest to each path's end.")
        else:
            t = QuadraticTheory.of(lambdas)
            head = (f"<b>{fn.name}</b>: \u03bb = ({t.lambdas[0]:g}, {t.lambdas[1]:g}), "
                    f"\u03ba = \u03bbmax/\u03bbmin = {t.kappa:.4g}<br>"
                    f"<b>Gradient descent</b> (SGD): stable for lr &lt; 2/\u03bbmax = {t.gd_lr_max:.4g}; "
                    f"fastest at lr = 2/(\u03bb\u2081+\u03bb\u2082) = {t.gd_lr_opt:.4g}, "
                    f"\u03c1 = {t.gd_rho_opt:.4f}<br>"
                    f"<b>Heavy ball</b> (Momentum): stable for lr\u00b7\u03bbmax &lt; 2 + 2\u03b2; "
                    f"fastest at lr* = {t.heavy_ball_lr_opt:.4f}, \u03b2* = {t.heavy_ball_beta_opt:.4f}, "
                    f"\u03c1* = {t.heavy_ball_rho_opt:.4f}")
        rows = "".join(self._row_html(name, result, fn, lambdas) for name, result in self.paths.items())
        table = ("<table cellspacing='0' cellpadding='2'><tr><th align='left'>path</th>"
                 "<th>\u03c1<br>predicted</th><th>\u03c1<br>measured</th></tr>"
                 f"{rows}</table>") if rows else "<i>Press Start to measure rates on the paths.</i>"
        return (f"{head}<br>{table}<span style='color:#555555'>\u03c1 per update: the distance "
                f"to the minimum shrinks like \u03c1<sup>k</sup>. {OSCILLATION_NOTE}</span>")

    def _row_html(self, name: str, result: PathResult, fn, lambdas) -> str:
        values = self.path_hyperparameters.get(name, {})
        predicted = None if lambdas is None else predicted_rate(self.rules.get(name), values, lambdas)
        minimum = nearest_minimum(fn, result.points[-1])
        measured = None if minimum is None else measured_rate(result.points, minimum)
        settings = ", ".join(f"{v:g}" for v in values.values())
        return (f"<tr><td><b style='color:{self._color(name)}'>{name}</b><br>"
                f"<small style='color:#555555'>{settings}</small></td>"
                f"<td align='center'>{_rate(predicted)}</td><td align='center'>{_rate(measured)}"
                f"{'<br><small>diverged</small>' if result.diverged_at is not None else ''}</td></tr>")

    def _draw_distances(self, fn, lambdas) -> None:
        entries = []
        for name in list(self._curves):
            if name not in self.paths:
                for item in self._curves.pop(name):
                    self.plot_item.removeItem(item)
        for name, result in self.paths.items():
            minimum = nearest_minimum(fn, result.points[-1])
            if minimum is None:
                continue
            if name not in self._curves:
                measured = pg.PlotDataItem(pen=style.hex_pen(self._color(name)))
                predicted = pg.PlotDataItem(pen=style.hex_pen(self._color(name), dashed=True))
                for item in (measured, predicted):
                    self.plot_item.addItem(item)
                self._curves[name] = (measured, predicted)
            measured, predicted = self._curves[name]
            with np.errstate(divide="ignore"):
                distance = np.log10(np.linalg.norm(result.points - minimum, axis=1))
            steps = np.arange(len(distance))
            measured.setData(steps, np.where(np.isfinite(distance), distance, np.nan), connect="finite")
            rho = None if lambdas is None else predicted_rate(self.rules.get(name),
                                                              self.path_hyperparameters.get(name, {}), lambdas)
            if rho is not None and rho > 0 and np.isfinite(distance[-1]):
                predicted.setData(steps, distance[-1] + (steps - steps[-1]) * np.log10(rho))
            else:
                predicted.setData([], [])
            entries.append((measured, name))
        self.legend.show(entries)

    # -- actions -------------------------------------------------------------------------------
    def _snap(self) -> None:
        lambdas = curvatures(get_function(self.function_key))
        best = None if lambdas is None else optimal_hyperparameters(self.selected, lambdas)
        if best is not None:
            self.snapRequested.emit(self.selected, best)

    def write_csv(self, directory: str | Path) -> Path | None:
        """Write theory.csv (:func:`nncore.theory.theory_csv`) into ``directory``; None without
        paths on a quadratic."""
        record = self.record()
        if record is None:
            return None
        return write_text(Path(directory) / THEORY_CSV, theory_csv(record))
