"""The Diagnostics tab: a look inside the MNIST networks while they train.

Three pages, for a run's :class:`nncore.experiment.MnistHistory` (statistics from
:mod:`nncore.diagnostics`, computed in the training process):

- "Layers": per weight matrix (chosen in the layer box), one curve per optimizer in its colour:
  the update-to-weight ratio ||dW|| / ||W|| on a log axis with the practitioners' reference line
  at 1e-3, the gradient norm and the weight norm, over iterations.
- "First layer": the first-layer weights of the selected optimizer, one tile per unit (up to
  100) in the input's shape (28 x 28 for MNIST), on a diverging colour map centred on 0 (blue
  negative, white 0, red positive; symmetric range), refreshed at every evaluation; exportable
  as PNG.
- "Errors": the test-set confusion matrix of the selected optimizer at its last evaluation
  (rows true digit, columns predicted; colour by count on a log scale) and a gallery of up to 32
  misclassified test digits with predicted and true labels.

The panel only draws what it is given (:meth:`DiagnosticsPanel.set_history`); while it is hidden
it only remembers the history and draws when shown.
"""
from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QIcon, QImage, QPixmap
from PySide6.QtWidgets import (QComboBox, QFileDialog, QHBoxLayout, QLabel, QListView,
                               QListWidget, QListWidgetItem, QPushButton, QSplitter, QTabWidget,
                               QVBoxLayout, QWidget)

from nncore.diagnostics import EvaluationDiagnostics
from nncore.experiment import MnistHistory

from . import style

REFERENCE_RATIO = 1e-3
"""The rule of thumb for the update-to-weight ratio of one step."""
DIVERGING_MAP = "CET-D1"
"""pyqtgraph's (colorcet) blue-white-red diverging map."""
COUNT_MAP = "CET-L12"
"""A sequential white-to-blue map for the confusion counts."""
TILE_GAP = 1
"""Pixels between two weight tiles in the first-layer image (drawn light grey)."""
GAP_COLOUR = (200, 200, 200, 255)
EXPORT_SCALE = 4
"""Screen pixels per weight in the exported first-layer PNG."""
LEGEND_COLUMNS = 4
GALLERY_ICON = 56
"""Side in pixels of a misclassified digit in the gallery (28 x 28 drawn twice as large)."""


def weight_tiles(first_layer: np.ndarray) -> tuple[np.ndarray, float]:
    """The (inputs, units) weights as one RGBA mosaic (rows, cols, 4) uint8 of square tiles
    (side = sqrt(inputs); a non-square input is one row per unit), gaps light grey, and the
    symmetric colour limit m (the 99th percentile of |w|): -m and below full blue, 0 white, +m and
    above full red."""
    inputs, units = first_layer.shape
    side = math.isqrt(inputs)
    tile_shape = (side, side) if side * side == inputs else (1, inputs)
    columns = max(1, math.ceil(math.sqrt(units)))
    rows = max(1, math.ceil(units / columns))
    # 99th percentile of |w|, not the maximum: a few large weights would leave the rest pale
    limit = float(np.percentile(np.abs(first_layer), 99)) if first_layer.size else 0.0
    limit = limit or 1.0
    colours = pg.colormap.get(DIVERGING_MAP).map(np.clip((first_layer.T / limit + 1.0) / 2.0, 0.0, 1.0),
                                                 mode="byte")
    height = rows * (tile_shape[0] + TILE_GAP) - TILE_GAP
    width = columns * (tile_shape[1] + TILE_GAP) - TILE_GAP
    mosaic = np.empty((height, width, 4), dtype=np.uint8)
    mosaic[...] = GAP_COLOUR
    for unit in range(units):
        top = (unit // columns) * (tile_shape[0] + TILE_GAP)
        left = (unit % columns) * (tile_shape[1] + TILE_GAP)
        mosaic[top:top + tile_shape[0], left:left + tile_shape[1]] = colours[unit].reshape(*tile_shape, 4)
    return mosaic, limit


def _rgba_image(mosaic: np.ndarray, scale: int = 1) -> QImage:
    """A QImage (a copy) of an RGBA uint8 array (rows, cols, 4), each pixel ``scale`` x ``scale``."""
    if scale > 1:
        mosaic = np.repeat(np.repeat(mosaic, scale, axis=0), scale, axis=1)
    mosaic = np.ascontiguousarray(mosaic)
    height, width = mosaic.shape[:2]
    return QImage(mosaic.data, width, height, 4 * width, QImage.Format.Format_RGBA8888).copy()


def _digit_icon(image: np.ndarray) -> QIcon:
    """A gallery icon of a uint8 image (inputs,), dark ink on white like the printed digits."""
    side = math.isqrt(len(image))
    pixels = np.ascontiguousarray(255 - image[:side * side].reshape(side, side))
    qimage = QImage(pixels.data, side, side, side, QImage.Format.Format_Grayscale8).copy()
    return QIcon(QPixmap.fromImage(qimage).scaled(GALLERY_ICON, GALLERY_ICON))


class DiagnosticsPanel(QWidget):
    """Layer statistics, first-layer weights and errors of a run, as three tabs."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("diagnosticsPanel")
        self.history: MnistHistory | None = None
        self._dirty = False
        self._drawn_evaluation: tuple[str, int] | None = None
        self.first_layer_mosaic: np.ndarray | None = None
        self.optimizer_combo = QComboBox()
        self.optimizer_combo.setObjectName("diagnosticsOptimizer")
        self.optimizer_combo.setToolTip("The optimizer whose first layer and errors are shown")
        self.optimizer_combo.currentIndexChanged.connect(self._selection_changed)
        self.layer_combo = QComboBox()
        self.layer_combo.setObjectName("diagnosticsLayer")
        self.layer_combo.setToolTip("The weight matrix whose statistics the Layers page plots")
        self.layer_combo.currentIndexChanged.connect(self._draw_layers)
        self.pages = QTabWidget()
        self.pages.setObjectName("diagnosticsPages")
        self.pages.setDocumentMode(True)
        self.pages.addTab(self._build_layer_page(), "Layers")
        self.pages.addTab(self._build_first_layer_page(), "First layer")
        self.pages.addTab(self._build_errors_page(), "Errors")
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer"))
        top.addWidget(self.layer_combo)
        top.addSpacing(12)
        top.addWidget(QLabel("Optimizer"))
        top.addWidget(self.optimizer_combo, 1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(2, 2, 2, 2)
        layout.addLayout(top)
        layout.addWidget(self.pages, 1)

    # -- pages ---------------------------------------------------------------------------------
    def _build_layer_page(self) -> QWidget:
        style.configure_pyqtgraph()
        self.layer_view = pg.GraphicsLayoutWidget()
        self.layer_view.setObjectName("layerStatistics")
        self.layer_view.setToolTip("Per weight matrix: how large each step is against the weights "
                                   "(dashed: the 1e-3 rule of thumb), the gradient norm and the "
                                   "weight norm, recorded every few iterations")
        titles = (("ratio", "update / weight ||\u0394W|| / ||W||"), ("gradient", "gradient norm ||dW||"),
                  ("weight", "weight norm ||W||"))
        self.layer_plots: dict[str, pg.PlotItem] = {}
        self.layer_items: dict[str, dict[str, pg.PlotDataItem]] = {}
        # The legend has a row of its own above the plots, so it never hides a curve.
        self.legend = pg.LegendItem(colCount=LEGEND_COLUMNS, labelTextColor=style.FOREGROUND)
        self.layer_view.addItem(self.legend, row=0, col=0)
        self._legend_names: list[str] = []
        for row, (key, title) in enumerate(titles, start=1):
            plot = self.layer_view.addPlot(row=row, col=0)
            plot.setTitle(title, color=style.FOREGROUND, size="9pt")
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setLogMode(y=key == "ratio")  # ratios span decades; the norms read better linear
            for side in ("bottom", "left"):
                plot.getAxis(side).setStyle(maxTickLevel=0)  # no crowded minor labels
            if row > 1:
                plot.setXLink(self.layer_plots["ratio"])
            if row == len(titles):
                plot.setLabel("bottom", "iteration")
            self.layer_plots[key] = plot
            self.layer_items[key] = {}  # per run label, created when a run first shows it
        self.reference_line = pg.InfiniteLine(pos=math.log10(REFERENCE_RATIO), angle=0,
                                              pen=pg.mkPen("#555555", width=1, style=Qt.PenStyle.DashLine),
                                              label="1e-3", labelOpts={"position": 0.97, "color": "#555555"})
        self.layer_plots["ratio"].addItem(self.reference_line)
        return self.layer_view

    def _build_first_layer_page(self) -> QWidget:
        page = QWidget()
        self.first_layer_view = pg.GraphicsLayoutWidget()
        self.first_layer_view.setObjectName("firstLayerView")
        self.first_layer_view.setToolTip("First-layer weights of the selected optimizer, one tile "
                                         "per hidden unit (blue negative, white 0, red positive)")
        box = self.first_layer_view.addViewBox(lockAspect=True, invertY=True, enableMouse=False)
        self.first_layer_image = pg.ImageItem(axisOrder="row-major")
        box.addItem(self.first_layer_image)
        self.first_layer_box = box
        self.first_layer_label = QLabel("No evaluation yet")
        self.first_layer_label.setObjectName("firstLayerLabel")
        self.first_layer_label.setWordWrap(True)
        self.export_button = QPushButton("Export PNG\u2026")
        self.export_button.setObjectName("exportFirstLayerButton")
        self.export_button.setToolTip("Save the first-layer weight image as a PNG file")
        self.export_button.setEnabled(False)
        self.export_button.clicked.connect(self._export_first_layer_dialog)
        bottom = QHBoxLayout()
        bottom.addWidget(self.first_layer_label, 1)
        bottom.addWidget(self.export_button)
        layout = QVBoxLayout(page)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.first_layer_view, 1)
        layout.addLayout(bottom)
        return page

    def _build_errors_page(self) -> QWidget:
        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setObjectName("errorsSplitter")
        self.confusion_view = pg.PlotWidget(background=style.BACKGROUND)
        self.confusion_view.setObjectName("confusionMatrix")
        self.confusion_view.setToolTip("Test-set confusion matrix at the last evaluation: row = true "
                                       "digit, column = predicted digit, colour = count (log scale)")
        plot = self.confusion_view.getPlotItem()
        plot.setLabel("bottom", "predicted")
        plot.setLabel("left", "true")
        plot.getViewBox().invertY(True)
        plot.getViewBox().setAspectLocked(True)
        plot.setMouseEnabled(False, False)
        plot.hideButtons()
        self.confusion_plot = plot
        self.confusion_image = pg.ImageItem(axisOrder="row-major")
        plot.addItem(self.confusion_image)
        self.confusion_texts: list[pg.TextItem] = []
        self.gallery = QListWidget()
        self.gallery.setObjectName("misclassifiedGallery")
        self.gallery.setToolTip("Misclassified test digits at the last evaluation: predicted \u2192 true")
        self.gallery.setViewMode(QListView.ViewMode.IconMode)
        self.gallery.setResizeMode(QListView.ResizeMode.Adjust)
        self.gallery.setMovement(QListView.Movement.Static)
        self.gallery.setIconSize(QSize(GALLERY_ICON, GALLERY_ICON))
        self.gallery.setGridSize(QSize(GALLERY_ICON + 16, GALLERY_ICON + 22))
        self.gallery.setSpacing(2)
        self.gallery.setSelectionMode(QListWidget.SelectionMode.NoSelection)
        self.errors_label = QLabel("No evaluation yet")
        self.errors_label.setObjectName("errorsLabel")
        lower = QWidget()
        lower_layout = QVBoxLayout(lower)
        lower_layout.setContentsMargins(0, 0, 0, 0)
        lower_layout.addWidget(self.errors_label)
        lower_layout.addWidget(self.gallery, 1)
        splitter.addWidget(self.confusion_view)
        splitter.addWidget(lower)
        splitter.setSizes([300, 250])
        return splitter

    # -- data ----------------------------------------------------------------------------------
    def set_history(self, history: MnistHistory | None) -> None:
        """Show ``history`` (None clears the panel); drawn now if visible, else when shown."""
        self.history = history
        self._sync_choices()
        if self.isVisible():
            self.redraw()
        else:
            self._dirty = True

    def showEvent(self, event) -> None:  # noqa: N802 - Qt's name
        super().showEvent(event)
        if self._dirty:
            self.redraw()

    def selected(self) -> str | None:
        """The registry name of the optimizer whose first layer and errors are shown."""
        return self.optimizer_combo.currentData()

    def select(self, name: str) -> None:
        """Show the first layer and errors of optimizer ``name`` (if it is in the run)."""
        index = self.optimizer_combo.findData(name)
        if index >= 0:
            self.optimizer_combo.setCurrentIndex(index)

    def _sync_choices(self) -> None:
        """Optimizer and layer boxes list the run's optimizers and weight matrices."""
        names = self.history.names if self.history is not None else ()
        current = [self.optimizer_combo.itemData(i) for i in range(self.optimizer_combo.count())]
        if list(names) != current:
            keep = self.selected()
            self.optimizer_combo.blockSignals(True)
            self.optimizer_combo.clear()
            for name in names:
                self.optimizer_combo.addItem(style.swatch_icon(name), style.display_name(name), name)
            self.optimizer_combo.blockSignals(False)
            if keep in names:
                self.select(keep)
            else:
                self.optimizer_combo.setCurrentIndex(0 if names else -1)
        layers = self._layer_count()
        if layers != self.layer_combo.count():
            keep = self.layer_combo.currentIndex()
            self.layer_combo.blockSignals(True)
            self.layer_combo.clear()
            for layer in range(1, layers + 1):
                self.layer_combo.addItem(f"W{layer}")
            self.layer_combo.setCurrentIndex(min(max(keep, 0), layers - 1) if layers else -1)
            self.layer_combo.blockSignals(False)

    def _layer_count(self) -> int:
        if self.history is None:
            return 0
        for layer_history in self.history.layers.values():
            rows = layer_history.rows()
            if rows is not None:
                return rows.update_ratio.shape[1]
        return 0

    def _selection_changed(self) -> None:
        self._drawn_evaluation = None
        self.redraw()

    def redraw(self) -> None:
        self._dirty = False
        self._draw_layers()
        evaluation = None
        if self.history is not None and self.selected() is not None:
            evaluation = self.history.evaluations.get(self.selected())
        key = None if evaluation is None else (self.selected(), evaluation.iteration)
        if key != self._drawn_evaluation:
            self._draw_first_layer(evaluation)
            self._draw_errors(evaluation)
            self._drawn_evaluation = key

    def _draw_layers(self) -> None:
        layer = self.layer_combo.currentIndex()
        shown = []
        # Every label drawn before (to hide it if this run lacks it), then this run's new ones.
        names = dict.fromkeys([*self.layer_items["ratio"], *(self.history.names if self.history else ())])
        for name in names:
            for key, plot in self.layer_plots.items():
                if name not in self.layer_items[key]:
                    item = pg.PlotDataItem(pen=style.pen(name), symbol=None)
                    item.setVisible(False)
                    plot.addItem(item)
                    self.layer_items[key][name] = item
            rows = None
            if self.history is not None and name in self.history.layers and layer >= 0:
                rows = self.history.layers[name].rows()
            for key, statistic in (("ratio", "update_ratio"), ("gradient", "gradient_norm"),
                                   ("weight", "weight_norm")):
                item = self.layer_items[key][name]
                if rows is None or layer >= getattr(rows, statistic).shape[1]:
                    item.setVisible(False)
                    continue
                values = getattr(rows, statistic)[:, layer]
                shown_values = values > 0 if key == "ratio" else np.isfinite(values)  # log axis: > 0
                item.setData(rows.iterations[shown_values], values[shown_values])
                item.setVisible(True)
            if rows is not None:
                shown.append(name)
        if shown != self._legend_names:
            self.legend.clear()
            for name in shown:
                self.legend.addItem(self.layer_items["ratio"][name], style.display_name(name))
            self._legend_names = shown

    def legend_labels(self) -> list[str]:
        """The optimizers named in the Layers page's legend, as shown."""
        return [style.display_name(name) for name in self._legend_names]

    def _draw_first_layer(self, evaluation: EvaluationDiagnostics | None) -> None:
        if evaluation is None:
            self.first_layer_mosaic = None
            self.first_layer_image.clear()
            self.first_layer_label.setText("No evaluation yet: the weights appear at the first evaluation")
            self.export_button.setEnabled(False)
            return
        self.first_layer_mosaic, limit = weight_tiles(evaluation.first_layer)
        self.first_layer_image.setImage(self.first_layer_mosaic, autoLevels=False, levels=(0, 255))
        self.first_layer_box.autoRange(padding=0.01)
        units = evaluation.first_layer.shape[1]
        self.first_layer_label.setText(
            f"{style.display_name(self.selected())}, iteration {evaluation.iteration}: {units} units; "
            f"blue \u2212{limit:.3g}, white 0, red +{limit:.3g}")
        self.export_button.setEnabled(True)

    def _draw_errors(self, evaluation: EvaluationDiagnostics | None) -> None:
        for text in self.confusion_texts:
            self.confusion_plot.removeItem(text)
        self.confusion_texts = []
        self.gallery.clear()
        if evaluation is None:
            self.confusion_image.clear()
            self.errors_label.setText("No evaluation yet")
            return
        confusion = evaluation.confusion
        classes = len(confusion)
        shade = np.log1p(confusion) / max(np.log1p(confusion.max()), 1e-12)
        colours = pg.colormap.get(COUNT_MAP).map(shade, mode="byte")
        self.confusion_image.setImage(colours, autoLevels=False, levels=(0, 255))
        self.confusion_image.setRect(-0.5, -0.5, classes, classes)
        for true in range(classes):
            for predicted in range(classes):
                count = int(confusion[true, predicted])
                if not count:
                    continue
                text = pg.TextItem(str(count), anchor=(0.5, 0.5),
                                   color="#ffffff" if shade[true, predicted] > 0.6 else style.FOREGROUND)
                text.setPos(predicted, true)
                self.confusion_plot.addItem(text)
                self.confusion_texts.append(text)
        ticks = [[(i, str(i)) for i in range(classes)]]
        self.confusion_plot.getAxis("bottom").setTicks(ticks)
        self.confusion_plot.getAxis("left").setTicks(ticks)
        self.confusion_plot.setRange(xRange=(-0.5, classes - 0.5), yRange=(-0.5, classes - 0.5), padding=0)
        wrong = int(confusion.sum() - np.trace(confusion))
        self.errors_label.setText(f"{wrong} of {int(confusion.sum())} test digits wrong at iteration "
                                  f"{evaluation.iteration}; {len(evaluation.predicted)} shown "
                                  "(predicted \u2192 true)")
        for image, predicted, true in zip(evaluation.misclassified, evaluation.predicted, evaluation.true):
            item = QListWidgetItem(_digit_icon(image), f"{predicted} \u2192 {true}")
            item.setToolTip(f"predicted {predicted}, true {true}")
            self.gallery.addItem(item)

    # -- export --------------------------------------------------------------------------------
    def export_first_layer_png(self, path: str | Path) -> Path:
        """Save the first-layer weight image at ``path`` (EXPORT_SCALE px per weight); raises
        ExportError when there is none yet or the file cannot be written."""
        from nncore.files import ExportError

        from .export import _save_image
        if self.first_layer_mosaic is None:
            raise ExportError(path, "there are no first-layer weights yet: run an evaluation first")
        return _save_image(_rgba_image(self.first_layer_mosaic, EXPORT_SCALE), path)

    def _export_first_layer_dialog(self) -> None:
        from PySide6.QtWidgets import QMessageBox

        from nncore.files import ExportError
        path, _ = QFileDialog.getSaveFileName(self, "Export first-layer weights", "first_layer.png",
                                              "PNG image (*.png)")
        if not path:
            return
        try:
            self.export_first_layer_png(path)
        except (ExportError, OSError) as error:
            QMessageBox.warning(self, "Export failed", str(error))
