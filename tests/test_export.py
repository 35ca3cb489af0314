"""PNG and SVG export of widgets and plots: sizes, parseable SVG with the curves, clean failures."""
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QWidget

from gui.export import save_plot_png, save_plot_svg, save_widget_png
from gui.loss_panel import LossPanel
from gui.path_panel import PathPanel
from gui.style import OPTIMIZER_COLORS
from nncore.experiment import MnistHistory, run_paths
from nncore.files import ExportError
from nncore.settings import Settings

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def path_panel(qtbot):
    panel = PathPanel()
    qtbot.addWidget(panel)
    settings = Settings()
    panel.set_function(settings.paths.function)
    panel.set_start(*settings.paths.start)
    panel.set_paths(run_paths(settings))
    panel.resize(900, 600)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


@pytest.fixture
def loss_panel(qtbot):
    """A loss panel showing two falling curves (SGD slower than Adam) over 60 iterations."""
    history = MnistHistory(("SGD", "Adam"), 60)
    history.losses["SGD"][:] = np.linspace(2.3, 1.0, 60)
    history.losses["Adam"][:] = np.linspace(2.3, 0.2, 60)
    history.completed = 60
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.set_smoothing("none")
    panel.set_history(history)
    panel.resize(800, 500)
    panel.show()
    qtbot.waitExposed(panel)
    return panel


def test_widget_png_has_the_widget_size_times_the_pixel_ratio(tmp_path, path_panel):
    path = save_widget_png(path_panel, tmp_path / "shot.png")
    image = QImage(str(path))
    ratio = path_panel.devicePixelRatioF()
    assert (image.width(), image.height()) == (round(900 * ratio), round(600 * ratio))
    assert len({image.pixel(x, y) for x in range(0, image.width(), 7)
                for y in range(0, image.height(), 7)}) > 10  # a drawing, not a blank


def test_plot_png_has_the_requested_width(tmp_path, path_panel):
    path = save_plot_png(path_panel.plot_item, tmp_path / "plot.png", width=1200)
    image = QImage(str(path))
    rect = path_panel.plot_item.sceneBoundingRect()
    assert image.width() == 1200
    assert image.height() == pytest.approx(1200 * rect.height() / rect.width(), abs=2)


def _stroked_paths(root, colour):
    """Coordinates of each <path>/<polyline> drawn in ``colour`` (stroke set on an enclosing <g>)."""
    curves = []
    for group in root.iter(f"{SVG}g"):
        if group.get("stroke") != colour or group.get("stroke-opacity") != "1":
            continue
        for element in group:
            if element.tag == f"{SVG}path":
                tokens = element.get("d").replace("M", "").replace("L", "").split()
                curves.append(np.array([[float(v) for v in t.split(",")] for t in tokens]))
    return curves


def test_svg_parses_and_contains_the_curves(tmp_path, loss_panel):
    path = save_plot_svg(loss_panel.plot_item, tmp_path / "loss.svg")
    root = ET.parse(path).getroot()
    assert root.tag == f"{SVG}svg"
    width = float(root.get("viewBox").split()[2])
    for name in ("SGD", "Adam"):
        curves = [c for c in _stroked_paths(root, OPTIMIZER_COLORS[name]) if len(c) == 60]
        assert len(curves) == 1, name
        x, y = curves[0].T
        assert np.all(np.diff(x) > 0)       # iterations left to right
        assert np.all(np.diff(y) > 0)       # falling loss: SVG y grows downwards
        assert x[-1] - x[0] > 0.5 * width   # spread over the plot, not squeezed stale coordinates
    sgd = [c for c in _stroked_paths(root, OPTIMIZER_COLORS["SGD"]) if len(c) == 60][0]
    adam = [c for c in _stroked_paths(root, OPTIMIZER_COLORS["Adam"]) if len(c) == 60][0]
    assert adam[-1, 1] > sgd[-1, 1]  # Adam ends lower on the plot (smaller loss)
    closed = [p for p in root.iter(f"{SVG}path") if p.get("d").rstrip().endswith("Z")]
    assert closed  # Qt >= 6.11 closes the frame with 'Z': kept, and the export did not fail
    # Each curve above was one path; on screen the bold curves are drawn segment by segment again.
    assert loss_panel.smooth_items["SGD"].curve.opts["segmentedLineMode"] == "on"


def test_svg_of_the_contour_plot_has_paths_and_markers(tmp_path, path_panel):
    root = ET.parse(save_plot_svg(path_panel.plot_item, tmp_path / "paths.svg")).getroot()
    strokes = {g.get("stroke") for g in root.iter(f"{SVG}g")}
    fills = {g.get("fill") for g in root.iter(f"{SVG}g")}
    for name in Settings().optimizers:
        assert OPTIMIZER_COLORS[name] in strokes and OPTIMIZER_COLORS[name] in fills


@pytest.mark.parametrize("save", [
    lambda widget, path: save_widget_png(widget, path),
    lambda widget, path: save_plot_png(widget.plot_item, path),
    lambda widget, path: save_plot_svg(widget.plot_item, path),
], ids=["widget_png", "plot_png", "plot_svg"])
def test_unwritable_target_raises_and_leaves_no_file(tmp_path, path_panel, save):
    (tmp_path / "taken").mkdir()  # a folder where the file should go: cannot be replaced
    with pytest.raises(ExportError, match="taken"):
        save(path_panel, tmp_path / "taken")
    with pytest.raises(ExportError, match="does not exist"):
        save(path_panel, tmp_path / "missing" / "out.png")
    assert [p.name for p in tmp_path.iterdir()] == ["taken"]
    assert list((tmp_path / "taken").iterdir()) == []


def test_empty_widget_raises_instead_of_writing(tmp_path, qtbot):
    widget = QWidget()
    qtbot.addWidget(widget)
    widget.resize(0, 0)
    with pytest.raises(ExportError, match="empty"):
        save_widget_png(widget, tmp_path / "empty.png")
    assert list(tmp_path.iterdir()) == []


def test_bad_width_is_refused(tmp_path, path_panel):
    with pytest.raises(ExportError, match="width"):
        save_plot_png(path_panel.plot_item, tmp_path / "x.png", width=0)
