"""The per-entry summary, mean curves with bands, and the files of a run with repeats."""
import csv
import json

import numpy as np
import pytest

from nncore.entries import make_entry
from nncore.experiment import MnistHistory
from nncore.results import write_run
from nncore.settings import MnistSettings, Settings
from nncore.summary import loss_band, mean_accuracy, summarize, summary_table
from nncore.training_rules import Divergence


@pytest.fixture
def settings():
    return Settings(entries=(make_entry("Adam", mnist={"lr": 0.001}), make_entry("Adam", mnist={"lr": 0.01})),
                    mnist=MnistSettings(iterations=200, repeats=2, seed=5)).validate()


@pytest.fixture
def history():
    """Two entries x two repeats, 200 iterations; 'Adam lr=0.01' repeat 2 diverged at 150."""
    names = ("Adam lr=0.001 #1", "Adam lr=0.01 #1", "Adam lr=0.001 #2", "Adam lr=0.01 #2")
    h = MnistHistory(names, 200)
    h.losses["Adam lr=0.001 #1"][:] = 1.0
    h.losses["Adam lr=0.001 #2"][:] = 3.0
    h.losses["Adam lr=0.01 #1"][:] = np.linspace(2, 0, 200)
    h.losses["Adam lr=0.01 #2"][:150] = 2.0
    for name, points in {"Adam lr=0.001 #1": [(0, 0.1), (100, 0.94), (200, 0.96)],
                         "Adam lr=0.001 #2": [(0, 0.1), (100, 0.97), (200, 0.98)],
                         "Adam lr=0.01 #1": [(0, 0.1), (100, 0.5), (200, 0.6)],
                         "Adam lr=0.01 #2": [(0, 0.1), (100, 0.2)]}.items():
        h.accuracies[name].extend(points)
    h.diverged["Adam lr=0.01 #2"] = Divergence(150, "the loss became infinite or NaN")
    h.completed = 200
    h.finished = True
    return h


def test_summary_per_entry_over_repeats(settings, history):
    slow, fast = summarize(settings, history)
    assert slow.label == "Adam lr=0.001" and slow.repeats == 2
    assert (slow.loss_last100, slow.loss_last100_std) == (2.0, 1.0)
    assert slow.final_accuracy == pytest.approx(0.97) and slow.final_accuracy_std == pytest.approx(0.01)
    assert slow.best_accuracy == pytest.approx(0.97)
    assert slow.first_95 == 100  # mean of 0.94 and 0.97 is 0.955
    assert slow.diverged == 0 and slow.reason is None
    assert fast.first_95 is None
    assert (fast.diverged, fast.diverged_at) == (1, 150)
    assert fast.loss_last100 == pytest.approx((np.linspace(2, 0, 200)[-100:].mean() + 2.0) / 2)
    table = summary_table([slow, fast])
    assert "97.00 \u00b1 1.00 %" in table and "1 of 2: at 150" in table
    assert table.splitlines()[2].split("  ")[0] == "Adam lr=0.01"


def test_bands_are_min_max_or_one_std(history):
    rows = ["Adam lr=0.001 #1", "Adam lr=0.001 #2"]
    mean, low, high = loss_band(history, rows, "minmax")
    assert (mean[0], low[0], high[0]) == (2.0, 1.0, 3.0)
    mean, low, high = loss_band(history, rows, "std")
    assert (low[0], high[0]) == (1.0, 3.0)
    mean, low, high = loss_band(history, ["Adam lr=0.01 #1", "Adam lr=0.01 #2"])
    assert np.isfinite(mean[149]) and np.isnan(mean[150])  # a diverged repeat ends the mean
    assert mean_accuracy(history, ["Adam lr=0.01 #1", "Adam lr=0.01 #2"]) == [(0, pytest.approx(0.1)), (100, pytest.approx(0.35))]
    with pytest.raises(ValueError, match="band must be one of minmax, std"):
        loss_band(history, rows, "iqr")


def test_files_of_a_run_with_repeats(tmp_path, settings, history):
    written = sorted(p.name for p in write_run(tmp_path, settings, None, history))
    assert written == ["accuracy.csv", "layers.csv", "losses.csv", "losses_repeats.csv", "run.json", "summary.csv"]
    with open(tmp_path / "losses.csv", newline="") as stream:
        losses = list(csv.reader(stream))
    assert losses[0] == ["iteration", "Adam lr=0.001", "Adam lr=0.01"]
    assert float(losses[1][1]) == 2.0
    with open(tmp_path / "losses_repeats.csv", newline="") as stream:
        assert next(csv.reader(stream)) == ["iteration", "Adam lr=0.001 #1", "Adam lr=0.01 #1",
                                            "Adam lr=0.001 #2", "Adam lr=0.01 #2"]
    with open(tmp_path / "summary.csv", newline="") as stream:
        summary = list(csv.DictReader(stream))
    assert [row["entry"] for row in summary] == ["Adam lr=0.001", "Adam lr=0.01"]
    assert summary[0]["first_iteration_95"] == "100" and summary[1]["first_iteration_95"] == ""
    record = json.loads((tmp_path / "run.json").read_text())
    m = record["mnist"]
    assert m["repeats"] == 2 and list(m["optimizers"]) == ["Adam lr=0.001", "Adam lr=0.01"]
    fast = m["optimizers"]["Adam lr=0.01"]
    assert fast["hyperparameters"]["lr"] == 0.01 and fast["optimizer"] == "Adam"
    assert [r["seed"] for r in fast["repeats"]] == [5, 6]
    assert fast["diverged_at"] == 150 and fast["repeats"][1]["diverged_at"] == 150
    assert m["summary"][0]["label"] == "Adam lr=0.001"
    assert Settings.from_dict(record["settings"]) == settings
    # a later run without repeats leaves no losses_repeats.csv behind
    single = MnistHistory(("Adam lr=0.001", "Adam lr=0.01"), 200)
    write_run(tmp_path, Settings(entries=settings.entries, mnist=MnistSettings(iterations=200)), None, single)
    assert not (tmp_path / "losses_repeats.csv").exists()
