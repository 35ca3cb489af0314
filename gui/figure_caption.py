"""A caption line under an exported figure, saying what it shows (nncore.caption's text):
a white strip with the text in the figure's foreground colour, for PNG images and SVG files."""
from __future__ import annotations

from xml.dom import minidom

from PySide6.QtCore import QRect, Qt
from PySide6.QtGui import QColor, QFont, QFontMetrics, QImage, QPainter

from . import style

MARGIN_PX = 8


def _font(width: int) -> QFont:
    """A font whose size follows the image width (12 px at 1000 px wide, at least 10 px)."""
    font = QFont()
    font.setPixelSize(max(10, round(width * 0.012)))
    return font


def captioned(image: QImage, text: str) -> QImage:
    """``image`` with ``text`` written (wrapped to the width) in a strip added below it."""
    font = _font(image.width())
    metrics = QFontMetrics(font)
    area = QRect(MARGIN_PX, 0, image.width() - 2 * MARGIN_PX, 10_000)
    flags = Qt.AlignmentFlag.AlignLeft | Qt.TextFlag.TextWordWrap
    height = metrics.boundingRect(area, flags, text).height() + 2 * MARGIN_PX
    result = QImage(image.width(), image.height() + height, QImage.Format.Format_ARGB32)
    result.fill(QColor(style.BACKGROUND))
    painter = QPainter(result)
    try:
        painter.drawImage(0, 0, image)
        painter.setFont(font)
        painter.setPen(QColor(style.FOREGROUND))
        painter.drawText(QRect(MARGIN_PX, image.height() + MARGIN_PX, area.width(), height), flags, text)
    finally:
        painter.end()
    return result


def captioned_svg(data: bytes, text: str, line_height: float = 18.0) -> bytes:
    """The SVG document ``data`` made one text line taller, with ``text`` on that line."""
    document = minidom.parseString(data)
    root = document.documentElement
    height = float(str(root.getAttribute("height") or "0").rstrip("px") or 0)
    root.setAttribute("height", f"{height + line_height + MARGIN_PX:g}")
    view_box = root.getAttribute("viewBox").split()
    if len(view_box) == 4:
        view_box[3] = f"{float(view_box[3]) + line_height + MARGIN_PX:g}"
        root.setAttribute("viewBox", " ".join(view_box))
    element = document.createElement("text")
    element.setAttribute("x", str(MARGIN_PX))
    element.setAttribute("y", f"{height + line_height:g}")
    element.setAttribute("font-size", "12")
    element.setAttribute("font-family", "sans-serif")
    element.setAttribute("fill", style.FOREGROUND)
    element.appendChild(document.createTextNode(text))
    root.appendChild(element)
    return document.toxml(encoding="utf-8")
