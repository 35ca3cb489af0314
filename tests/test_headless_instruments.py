"""Headless runs of issue 9: --task map, --task basins, noise clouds and theory in run.json."""
import csv
import json

import pytest
from PySide6.QtGui import QImage

import main
from gui.headless import MAP_FIGURE_SIZE


def _rows(path):
    with open(path, newline="") as stream:
        return list(csv.reader(stream))


def test_map_task_writes_map_csv_and_png(tmp_path, qapp, capsys):
    out = tmp_path / "map"
    assert main.main(["--headless", "--out", str(out), "--task", "map", "--map-optimizer",
                      "Momentum", "--map-x", "lr", "--map-y", "momentum", "--map-size", "12",
                      "--steps", "60"]) == 0
    assert {p.name for p in out.iterdir()} == {"map.csv", "map.png"}
    rows = _rows(out / "map.csv")
    assert rows[0] == ["x", "y", "final_f", "diverged"]
    assert len(rows) == 1 + 12 * 12
    assert {row[3] for row in rows[1:]} == {"0", "1"}
    lrs = sorted({float(row[0]) for row in rows[1:]})
    assert lrs[0] == pytest.approx(0.1 / 100 * 10 ** (4 / 24))  # first cell centre of 0.001..10
    image = QImage(str(out / "map.png"))
    assert (image.width(), image.height()) == MAP_FIGURE_SIZE
    assert "Map of Momentum on book: 144 runs" in capsys.readouterr().err


def test_basins_task_writes_outcomes_by_minimum_index(tmp_path, qapp):
    out = tmp_path / "basins"
    assert main.main(["--headless", "--out", str(out), "--task", "basins", "--function",
                      "himmelblau", "--optimizers", "SGD", "--path-lr", "SGD=0.01", "--steps",
                      "200", "--map-size", "24"]) == 0
    assert {p.name for p in out.iterdir()} == {"basins.csv", "basins.png"}
    rows = _rows(out / "basins.csv")
    assert rows[0] == ["x", "y", "outcome"] and len(rows) == 1 + 24 * 24
    outcomes = [row[2] for row in rows[1:]]
    assert set(outcomes) <= {"0", "1", "2", "3", "diverged", "unconverged"}
    assert sum(outcome in {"0", "1", "2", "3"} for outcome in outcomes) > 0.99 * len(outcomes)
    diverging = tmp_path / "diverging"
    assert main.main(["--headless", "--out", str(diverging), "--task", "basins", "--function",
                      "himmelblau", "--optimizers", "SGD", "--path-lr", "SGD=0.2", "--steps",
                      "30", "--map-size", "6"]) == 0
    assert "diverged" in {row[2] for row in _rows(diverging / "basins.csv")[1:]}


def test_paths_with_noise_write_the_cloud_and_theory(tmp_path, qapp):
    out = tmp_path / "noisy"
    assert main.main(["--headless", "--out", str(out), "--task", "paths", "--quadratic",
                      "0.1,2,45", "--steps", "30", "--noise", "0.2", "--noise-seed", "3",
                      "--cloud", "8"]) == 0
    record = json.loads((out / "run.json").read_text())
    cloud = record["cloud"]
    assert (cloud["sigma"], cloud["seeds"], cloud["count"]) == (0.2, [3, 10], 8)
    sgd = cloud["optimizers"]["SGD"]
    assert len(sgd["mean"]) == 31 and len(sgd["covariance"]) == 31
    assert abs(sgd["covariance"][0][0][0]) < 1e-20  # every run starts at the start
    assert sgd["covariance"][30][0][0] > 0
    theory = record["theory"]
    assert theory["kappa"] == pytest.approx(20.0)
    assert set(theory["gd"]) == {"lr_max", "lr_opt", "rho_opt"}
    assert set(theory["heavy_ball"]) == {"lr_opt", "beta_opt", "rho_opt"}
    assert theory["optimizers"]["SGD"]["rho_predicted"] == pytest.approx(0.905)
    assert theory["optimizers"]["Adam"]["rho_predicted"] is None


def test_summary_names_the_rotated_quadratic(tmp_path, qapp, capsys):
    assert main.main(["--headless", "--out", str(tmp_path / "q"), "--task", "paths",
                      "--quadratic", "0.1,2,45", "--steps", "3"]) == 0
    assert "R^T(45 deg)" in capsys.readouterr().err


def test_exact_paths_on_the_book_have_theory_but_no_cloud(tmp_path, qapp):
    out = tmp_path / "book"
    assert main.main(["--headless", "--out", str(out), "--task", "paths", "--steps", "30"]) == 0
    record = json.loads((out / "run.json").read_text())
    assert "cloud" not in record
    assert record["theory"]["optimizers"]["SGD"]["rho_measured"] == pytest.approx(0.905, abs=0.001)
    assert record["theory"]["heavy_ball"]["lr_opt"] == pytest.approx(1.3358, abs=1e-4)
    other = tmp_path / "rosenbrock"
    assert main.main(["--headless", "--out", str(other), "--task", "paths", "--function",
                      "rosenbrock", "--steps", "5"]) == 0
    assert json.loads((other / "run.json").read_text())["theory"] is None


def test_bad_map_flags_exit_2_with_one_line(tmp_path, capsys):
    assert main.main(["--headless", "--out", str(tmp_path / "x"), "--task", "map",
                      "--map-optimizer", "SGD", "--map-y", "beta1"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "SGD has no hyperparameter 'beta1'" in err[0]
    assert not (tmp_path / "x").exists()
