"""The theory tab and run.json's theory predict the rate of any entry by its optimizer, not its
label (two Momentum entries both get the heavy ball's rate); an entry whose learning rate follows
a schedule has no closed-form rate."""
import json
import multiprocessing

import numpy as np
import pytest

import main
from nncore.entries import make_entry
from nncore.functions import get_function
from nncore.schedules import ScheduleSpec
from nncore.settings import PathSettings, Settings
from nncore.theory import curvatures, heavy_ball_rate, path_rules

ENTRIES = (make_entry("Momentum", paths={"lr": 0.1}),
           make_entry("Momentum", paths={"lr": 0.05}),
           make_entry("SGD", paths={"lr": 0.9}, schedule=ScheduleSpec("cosine")),
           make_entry("SGD", paths={"lr": 0.5}, schedule=ScheduleSpec("constant")))
LABELS = ("Momentum path.lr=0.1", "Momentum path.lr=0.05", "SGD path.lr=0.9 schedule=cosine",
          "SGD path.lr=0.5 schedule=constant")


def expected(lr):
    return float(heavy_ball_rate(lr, 0.9, curvatures(get_function("book"))))


def test_path_rules_name_each_entrys_optimizer_unless_a_schedule_moves_its_rate():
    settings = Settings(entries=ENTRIES)
    assert tuple(settings.labels()) == LABELS
    assert path_rules(settings.run_entries()) == dict(zip(LABELS, ("Momentum", "Momentum", None, "SGD")))


@pytest.fixture
def window(open_window):
    window = open_window(Settings(task="paths", paths=PathSettings(steps=30), entries=ENTRIES))
    yield window
    window.close()
    assert not window.runner.is_alive()
    assert multiprocessing.active_children() == []


def test_the_theory_tab_predicts_the_rate_of_entries_labelled_by_their_values(qtbot, window):
    with qtbot.waitSignal(window.runFinished, timeout=60_000):
        assert window.start()
    window.finish_animation()
    record = window.theory_panel.record()["optimizers"]
    assert record[LABELS[0]]["rho_predicted"] == pytest.approx(expected(0.1))
    assert record[LABELS[1]]["rho_predicted"] == pytest.approx(expected(0.05))
    assert record[LABELS[2]]["rho_predicted"] is None
    assert record[LABELS[3]]["rho_predicted"] is not None
    text = window.theory_panel.readout.text()
    assert f"{expected(0.1):.4f}" in text and f"{expected(0.05):.4f}" in text
    assert len(window.theory_panel._curves[LABELS[0]][1].getData()[0]) > 0  # the predicted line
    # Each entry's rows and curves wear the colour it has in the path plot and every legend.
    colors = {label: window.path_panel.colors[label] for label in LABELS}
    assert len(set(colors.values())) == len(LABELS)
    for label, color in colors.items():
        assert f"color:{color}'>{label}<" in text
        for curve in window.theory_panel._curves[label]:
            assert curve.opts["pen"].color().name() == color


def test_run_json_theory_keys_entries_by_label_with_their_optimizers_rate(tmp_path):
    out = tmp_path / "run"
    assert main.main(["--headless", "--out", str(out), "--task", "paths", "--steps", "30",
                      "--run", "Momentum path.lr=0.1", "--run", "Momentum path.lr=0.05",
                      "--run", "SGD path.lr=0.9 schedule=cosine"]) == 0
    theory = json.loads((out / "run.json").read_text())["theory"]["optimizers"]
    assert theory["Momentum path.lr=0.1"]["rho_predicted"] == pytest.approx(expected(0.1))
    assert theory["Momentum path.lr=0.05"]["rho_predicted"] == pytest.approx(expected(0.05))
    assert theory["SGD"]["rho_predicted"] is None
    assert np.isfinite(theory["SGD"]["rho_measured"])
