"""Pictures of the window and its plots: PNG screenshots, PNG plots at a chosen width, SVG plots.

Every function writes atomically (:func:`nncore.results.atomic_write`: a temporary file in the
same folder, renamed over the target), so a failed export never leaves a partial file, and
raises :class:`nncore.results.ExportError` with a message naming the path and the problem.

Importing this module also repairs pyqtgraph 0.14.0's SVG exporter for Qt >= 6.11 (see
:func:`_install_closed_path_fix`), which makes the plots' own right-click "Export..." SVG work too.
"""
from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

import pyqtgraph as pg
import pyqtgraph.exporters  # noqa: F401  (registers ImageExporter and SVGExporter)
from PySide6.QtGui import QImage, QPixmap
from PySide6.QtWidgets import QWidget

from nncore.files import ExportError, atomic_write


@contextmanager
def _rendering(path: Path | str) -> Iterator[None]:
    """Turn any failure of pyqtgraph's exporters into an ExportError for ``path``."""
    try:
        yield
    except Exception as error:  # pyqtgraph raises bare Exception, ZeroDivisionError, ...
        raise ExportError(path, f"the plot could not be rendered ({type(error).__name__}: {error})") from error


IMAGE_FORMATS = {".png": "PNG", ".jpg": "JPEG", ".jpeg": "JPEG", ".bmp": "BMP", ".tif": "TIFF",
                 ".tiff": "TIFF", ".webp": "WEBP"}
"""File name suffix -> the Qt image writer that writes it. A picture is written in the format its
name asks for; other suffixes are refused (a .jpg must never hold PNG bytes)."""


def with_suffix(path: Path | str, suffix: str) -> Path:
    """``path`` with ``suffix`` (e.g. ".png") added when its name has none ("plot" -> "plot.png")."""
    path = Path(path)
    return path if path.suffix else path.with_name(path.name + suffix)


def image_format(path: Path | str) -> str:
    """The Qt format name for ``path``'s suffix; ExportError naming the suffixes that work."""
    suffix = Path(path).suffix.lower()
    if suffix not in IMAGE_FORMATS:
        problem = f"cannot write {suffix} images" if suffix else "the name has no suffix"
        raise ExportError(path, f"{problem}; end the name in {', '.join(sorted(IMAGE_FORMATS))}")
    return IMAGE_FORMATS[suffix]


PNG_QUALITY = 70
"""Qt's PNG "quality" (0 smallest .. 100 uncompressed; -1 is zlib's default): for the headless
1600 x 800 loss figure 70 encodes in 41 ms instead of 70 ms, for a file 14 % larger."""


def _save_image(image: QImage | QPixmap, path: Path | str) -> Path:
    """Atomically save a QImage or QPixmap at ``path`` in the format its suffix names."""
    fmt = image_format(path)
    if image.isNull():
        raise ExportError(path, "there is nothing to draw (the image is empty)")

    def write(temporary: Path) -> None:
        quality = PNG_QUALITY if fmt == "PNG" else -1  # -1: Qt's default for the other formats
        if not image.save(str(temporary), fmt, quality):
            raise ExportError(path, f"Qt could not encode or write the {fmt} image")

    return atomic_write(path, write)


def save_image(image: QImage, path: Path | str) -> Path:
    """Atomically save ``image`` at ``path`` in the format of its suffix (see IMAGE_FORMATS).
    A QImage (unlike a QPixmap) may be saved on any thread: Qt encodes it without the GIL."""
    return _save_image(image, path)


def save_widget_png(widget: QWidget, path: Path | str) -> Path:
    """Save a picture of ``widget`` as it is on screen, at the screen's device pixel ratio, in
    the format of ``path``'s suffix (PNG for .png; see IMAGE_FORMATS).

    ``QWidget.grab`` renders the widget and its children into a pixmap whose size is the widget's
    size times the device pixel ratio (e.g. 2x on a Retina screen, 1x offscreen).
    """
    return _save_image(widget.grab(), path)


def save_plot_png(plot_item: pg.PlotItem, path: Path | str, width: int = 1600,
                  caption: str | None = None) -> Path:
    """Save ``plot_item`` (axes, title, legend, curves) as a picture ``width`` px wide, in the
    format of ``path``'s suffix (PNG for .png; see IMAGE_FORMATS), with a ``caption`` line below
    it if given (gui.figure_caption).

    The height follows the item's aspect ratio on screen. pyqtgraph's ImageExporter re-renders the
    scene at that size, so curves stay sharp (pens are cosmetic: their width is in pixels).
    """
    if width < 1:
        raise ExportError(path, f"the width must be at least 1 pixel, got {width}")
    image_format(path)  # refuse an unknown suffix before rendering
    with _rendering(path):
        exporter = pg.exporters.ImageExporter(plot_item)
        exporter.parameters()["width"] = int(width)
        image = exporter.export(toBytes=True)
    if caption:
        from .figure_caption import captioned
        image = captioned(image, caption)
    return _save_image(image, path)


def save_plot_svg(plot_item: pg.PlotItem, path: Path | str, caption: str | None = None) -> Path:
    """Save ``plot_item`` as an SVG file (vector curves, text as text), with a ``caption`` line
    below it if given."""
    with _rendering(path), _whole_polylines(plot_item):
        # The SVG exporter paints item by item without a scene render, so ranges and transforms
        # changed since the last screen paint (or a never-shown widget) would be stale; bring the
        # scene up to date first, as a render does for the PNG exporter.
        plot_item.scene().prepareForPaint()
        data = pg.exporters.SVGExporter(plot_item).export(toBytes=True)
    if caption:
        from .figure_caption import captioned_svg
        data = captioned_svg(data, caption)

    def write(temporary: Path) -> None:
        temporary.write_bytes(data)

    return atomic_write(path, write)


@contextmanager
def _whole_polylines(plot_item: pg.PlotItem) -> Iterator[None]:
    """Every curve of ``plot_item`` stroked as one path meanwhile: on screen a long bold curve is
    drawn one segment at a time (faster to paint, see gui.loss_panel.CURVE_DOWNSAMPLING), which
    in a vector file would be hundreds of separate lines."""
    curves = [item.curve if isinstance(item, pg.PlotDataItem) else item for item in plot_item.items
              if isinstance(item, (pg.PlotDataItem, pg.PlotCurveItem))]
    modes = [(curve, curve.opts["segmentedLineMode"]) for curve in curves]
    for curve, _ in modes:
        curve.setSegmentedLineMode("off")
    try:
        yield
    finally:
        for curve, mode in modes:
            curve.setSegmentedLineMode(mode)


def _closing_to_lines(path_element) -> list[int]:
    """Replace every close-path token ``Z``/``z`` of an SVG ``<path>``'s ``d`` by ``L x,y`` back to
    its subpath's start; return the replaced token positions (see _install_closed_path_fix)."""
    tokens = path_element.getAttribute("d").split()
    replaced = []
    start = None
    for index, token in enumerate(tokens):
        if token[0] == "M":
            start = token[1:]
        elif token in ("Z", "z") and start is not None:
            tokens[index] = "L" + start
            replaced.append(index)
    if replaced:
        path_element.setAttribute("d", " ".join(tokens))
    return replaced


def _restore_closing(path_element, positions: list[int]) -> None:
    """Put ``Z`` back at token ``positions`` of a ``<path>``'s ``d`` (undo _closing_to_lines)."""
    tokens = path_element.getAttribute("d").split()
    for index in positions:
        tokens[index] = "Z"
    path_element.setAttribute("d", " ".join(tokens))


def _install_closed_path_fix() -> None:
    """Make pyqtgraph 0.14.0's SVG exporter accept the closed paths that Qt >= 6.11 writes.

    Why: the exporter lets QSvgGenerator draw each item and then rewrites the coordinates of every
    ``<path d="...">`` itself, splitting each space-separated token at a comma. Since Qt 6.11 the
    generator ends closed shapes (the plot's view box frame, round scatter symbols) with a bare
    ``Z`` token, which has no comma, so the export fails with "not enough values to unpack"
    (pyqtgraph issue 3495). The work-around wraps the module's ``correctCoordinates``: before it
    runs, each ``Z`` becomes ``L x,y`` to its subpath's start point (the same geometry, in a form
    it can transform); afterwards the ``Z`` is put back at the same token position, since the
    rewrite keeps one token per input token. Paths without ``Z`` pass through untouched, so this
    stays correct on Qt versions or pyqtgraph releases without the problem. Idempotent.
    """
    module = sys.modules["pyqtgraph.exporters.SVGExporter"]
    original: Callable = module.correctCoordinates
    if getattr(original, "handles_closed_paths", False):
        return

    def correct_coordinates(node, defs, item, options):
        closed = [(element, positions) for element in node.getElementsByTagName("path")
                  if (positions := _closing_to_lines(element))]
        original(node, defs, item, options)
        for element, positions in closed:
            _restore_closing(element, positions)

    correct_coordinates.handles_closed_paths = True
    module.correctCoordinates = correct_coordinates


_install_closed_path_fix()
