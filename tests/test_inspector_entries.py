"""The step inspector explains any entry by its optimizer, not its label (issue 10): Adam
entries labelled "Adam path.lr=0.3" or by the user ("my Adam", with a schedule) all get Adam's
formula with their own numbers, the scheduled one with the schedule's learning rate of the step."""
import multiprocessing

import pytest

from gui.inspector import explain_step, number
from nncore import optimizers as O
from nncore.entries import make_entry
from nncore.functions import FUNCTIONS
from nncore.paths import trace_path
from nncore.schedules import ScheduleSpec, scheduled
from nncore.settings import Settings

COSINE = ScheduleSpec("cosine")


def test_an_entry_label_gets_its_optimizers_text():
    values = O.path_defaults("Adam")
    result = trace_path(FUNCTIONS["book"], O.create("Adam", **values), (-7, 2), 29)
    by_name = explain_step("Adam", values, result, 3)
    by_label = explain_step("fast Adam", values, result, 3, optimizer="Adam")
    assert by_label.title == "fast Adam, step 3 of 29"
    assert by_label.lines == by_name.lines and by_label.arrows == by_name.arrows
    assert any(line.startswith("t = 3, lr_t = ") for line in by_label.lines)


def test_a_scheduled_step_uses_the_schedules_learning_rate():
    values = {**O.path_defaults("SGD"), "lr": 0.9}
    result = trace_path(FUNCTIONS["book"], scheduled(O.create("SGD", **values), COSINE, 29), (-7, 2), 29)
    explanation = explain_step("SGD", values, result, 15, schedule=COSINE, total=29)
    lr = COSINE.lr(14, 29, 0.9)
    assert explanation.lines[0] == f"lr = {number(lr)} (schedule cosine, update 15)"
    arrows = {label: (dx, dy) for label, dx, dy, *_ in explanation.arrows}
    assert arrows["gradient step \u2212lr\u00b7g"] == pytest.approx(tuple(result.updates[14]))


@pytest.fixture
def two_adams(open_window):
    window = open_window(Settings(task="paths", entries=(
        make_entry("SGD", paths={"lr": 0.95}),
        make_entry("Adam", paths={"lr": 0.3}),
        make_entry("Adam", paths={"lr": 0.1}),
        make_entry("Adam", paths={"lr": 0.5}, schedule=COSINE, label="my Adam"))))
    yield window
    window.close()
    assert not window.runner.is_alive()
    assert multiprocessing.active_children() == []


def test_both_adam_entries_of_a_shown_window_get_adams_text(qtbot, two_adams):
    window = two_adams
    entries = window.controls.optimizer_list
    labels = [entries.item(row).text() for row in range(entries.count())]
    assert labels[1:] == ["Adam path.lr=0.3", "Adam path.lr=0.1", "my Adam"]
    inspector = window.findChild(object, "stepInspector")
    for row, lr in ((1, 0.3), (2, 0.1), (3, COSINE.lr(2, 29, 0.5))):
        entries.setCurrentRow(row)
        qtbot.waitUntil(lambda: not window.paths_model.pending and window.paths_model.selected == labels[row])
        window.timeline.set_step(3)
        qtbot.waitUntil(lambda: f"{labels[row]}, step 3" in inspector.text())
        text = inspector.text()
        record = window.paths_model.records[labels[row]]
        lr_t = lr * (1 - 0.999 ** 3) ** 0.5 / (1 - 0.9 ** 3)
        assert f"t = 3, lr_t = lr\u00b7\u221a(1 \u2212 \u03b2\u2082^t)/(1 \u2212 \u03b2\u2081^t) = {number(lr_t)}" in text
        assert "m = " in text and "v = " in text
        assert ("lr = " in text) == (row == 3)
        arrows = [a for a in window.path_panel.arrows if a.line.isVisible()]
        assert len(arrows) == 4  # gradient, momentum term, scaled step, update
        x, y = arrows[-1].line.getData()
        assert (x[0], y[0]) == pytest.approx(tuple(record.points[2]))
