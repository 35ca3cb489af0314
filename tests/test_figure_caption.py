"""Exported plots carry an optional caption line."""
from xml.dom import minidom

from PySide6.QtGui import QImage

from gui.export import save_plot_png, save_plot_svg
from gui.loss_panel import LossPanel


def test_png_and_svg_exports_carry_the_caption(qtbot, tmp_path):
    panel = LossPanel()
    qtbot.addWidget(panel)
    panel.resize(800, 500)
    panel.show()
    qtbot.waitExposed(panel)
    plain = QImage(str(save_plot_png(panel.plot_item, tmp_path / "plain.png", 800)))
    text = "Adam lr=0.01 \u00b7 MNIST: 2000 iterations, batch 128, seed 0, 3 repeats"
    captioned = QImage(str(save_plot_png(panel.plot_item, tmp_path / "caption.png", 800, caption=text)))
    assert captioned.width() == plain.width() and captioned.height() > plain.height()
    strip = {captioned.pixel(x, y) for x in range(0, 400) for y in range(plain.height(), captioned.height())}
    assert len(strip) > 2  # text drawn on the white strip
    svg = minidom.parse(str(save_plot_svg(panel.plot_item, tmp_path / "caption.svg", caption=text)))
    assert text in [node.firstChild.data for node in svg.getElementsByTagName("text") if node.firstChild]
