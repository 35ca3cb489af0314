"""RunViews.show_settings keeps the lr plot in step with the settings it is given, and leaves it
alone when an edit changed nothing it shows."""
import dataclasses

import pytest
from PySide6.QtGui import QColor

from gui.run_views import RunViews
from gui.style import run_colors
from nncore.settings import Settings


def test_the_lr_plot_follows_the_entries_and_their_mnist_rates(qtbot, tmp_path):
    views = RunViews((), tmp_path)
    qtbot.addWidget(views.lr_plot)
    both = dataclasses.replace(Settings(), optimizers=("SGD", "Adam"))
    views.show_settings(both)
    assert set(views.lr_plot.curves) == {"SGD", "Adam"}
    sgd = views.lr_plot.curves["SGD"]
    first = sgd.yData
    views.show_settings(dataclasses.replace(both))  # an equal copy: nothing to redraw
    assert views.lr_plot.curves["SGD"] is sgd and sgd.yData is first

    views.show_settings(dataclasses.replace(both, optimizers=("SGD",)))
    assert set(views.lr_plot.curves) == {"SGD"}
    faster = dataclasses.replace(both, mnist_hyperparameters={
        **both.mnist_hyperparameters, "SGD": {**both.mnist_hyperparameters["SGD"], "lr": 0.5}})
    views.show_settings(faster)
    assert set(views.lr_plot.curves) == {"SGD", "Adam"}
    assert views.lr_plot.curves["SGD"].yData[0] == pytest.approx(0.5)
    colors = run_colors(faster)
    for label, item in views.lr_plot.curves.items():
        assert QColor(item.opts["pen"].color()).name() == QColor(colors[label]).name()
