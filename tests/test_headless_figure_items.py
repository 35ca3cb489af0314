"""The headless loss figure makes curve items only for the run's entries (making them for every
registered optimizer was most of its drawing time), and still draws every entry."""
import dataclasses

import numpy as np

from gui.headless import _losses_figure
from gui.loss_panel import AccuracyPanel, LossPanel
from nncore.experiment import MnistHistory, MnistUpdate
from nncore.optimizers import OPTIMIZERS
from nncore.settings import Settings


def test_the_headless_loss_figure_has_items_for_the_runs_entries_only(qtbot):
    settings = Settings(task="mnist")
    names = settings.labels()
    history = MnistHistory(names, 10)
    history.apply(MnistUpdate(0, 10, 10, {n: np.linspace(2, 1, 10) for n in names},
                              {n: [(10, 0.5)] for n in names}, {}, 1.0))
    figure = _losses_figure(history, settings)
    qtbot.addWidget(figure)
    loss, accuracy = figure.findChild(LossPanel), figure.findChild(AccuracyPanel)
    assert len(OPTIMIZERS) > len(names)
    assert list(loss.raw_items) == list(names) and list(accuracy.items) == list(names)
    assert all(loss.smooth_items[n].isVisible() and accuracy.items[n].isVisible() for n in names)
    assert len(loss.smooth_items["Adam"].getData()[1]) == 10


def test_the_loss_figure_is_built_while_the_groups_train_and_used_for_losses_png(tmp_path, monkeypatch):
    import gui.background_output
    import gui.headless
    import main

    events = []
    build, write = gui.headless.losses_panels, gui.background_output.BackgroundFiles
    monkeypatch.setattr(gui.headless, "losses_panels", lambda: events.append("figure") or build())
    monkeypatch.setattr(gui.background_output, "BackgroundFiles", lambda *a: events.append("files") or write(*a))
    assert main.main(["--headless", "--task", "mnist", "--out", str(tmp_path), "--iterations", "40",
                      "--hidden", "8", "--eval-interval", "2"]) == 0
    assert events == ["figure", "files"]  # made during training, once, and not again for the PNG
    assert (tmp_path / "losses.png").stat().st_size > 10_000


def test_a_figure_prepared_during_training_draws_the_same_pixels_as_a_fresh_one(qtbot):
    from gui.headless import LOSSES_FIGURE_SIZE, _render, offscreen_application, prepare_losses_figure

    settings = Settings(task="mnist")
    names = settings.labels()
    history = MnistHistory(names, 50)
    rng = np.random.default_rng(1)
    history.apply(MnistUpdate(0, 50, 50, {n: 2 - np.linspace(0, 1, 50) * (1 + i) / 4 + 0.1 * rng.random(50)
                                          for i, n in enumerate(names)},
                              {n: [(0, 0.1), (50, 0.5 + i / 10)] for i, n in enumerate(names)}, {}, 1.0))
    app = offscreen_application()
    prepared = prepare_losses_figure(dataclasses.replace(settings, mnist=dataclasses.replace(
        settings.mnist, iterations=50)))  # as while the groups train
    fresh = _losses_figure(history, settings)
    reused = _losses_figure(history, settings, prepared)
    for figure in (fresh, reused):
        qtbot.addWidget(figure)
    assert reused is prepared[0]
    fresh_image, reused_image = (_render(figure, LOSSES_FIGURE_SIZE, app) for figure in (fresh, reused))
    assert fresh_image.size().width() == LOSSES_FIGURE_SIZE[0]
    assert reused_image == fresh_image
