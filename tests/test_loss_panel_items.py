"""The MNIST panels make a run's curve items right after its entries are set (at Start), in an
event-loop task of their own, hidden until its data arrive, and draw the data in those items."""
import numpy as np

from gui.loss_panel import AccuracyPanel, LossPanel
from nncore.experiment import MnistHistory, MnistUpdate


def test_entries_get_hidden_items_before_any_data_and_keep_them(qtbot):
    loss, accuracy = LossPanel(), AccuracyPanel()
    for panel in (loss, accuracy):
        qtbot.addWidget(panel)
    groups = {"SGD": ["SGD"], "Adam": ["Adam"]}
    for panel in (loss, accuracy):
        panel.set_entries(groups, {"SGD": "#1f77b4", "Adam": "#d62728"})
    assert not loss.raw_items and not accuracy.items  # made right after, in a task of their own
    qtbot.waitUntil(lambda: set(loss.raw_items) == set(accuracy.items) == set(groups))
    made = {label: (loss.raw_items[label], loss.smooth_items[label], accuracy.items[label]) for label in groups}
    assert set(made) == set(groups)
    assert not any(item.isVisible() for items in made.values() for item in items)

    history = MnistHistory(("SGD", "Adam"), 20)
    history.apply(MnistUpdate(0, 20, 20, {"SGD": np.linspace(2, 1, 20), "Adam": np.linspace(2, 0.5, 20)},
                              {"SGD": [(20, 0.6)], "Adam": [(20, 0.8)]}, {}, 1.0))
    for panel in (loss, accuracy):
        panel.set_history(history)
    for label, (raw, smooth, marker) in made.items():
        assert loss.raw_items[label] is raw and loss.smooth_items[label] is smooth
        assert accuracy.items[label] is marker
        assert raw.isVisible() and smooth.isVisible() and marker.isVisible()
    np.testing.assert_array_equal(loss.raw_items["Adam"].getData()[1], np.linspace(2, 0.5, 20))
    assert accuracy.items["SGD"].getData()[1].tolist() == [60.0]
    assert loss.legend.labels() == ["SGD", "Adam"]
