"""run.json and CSV files: schema, strict JSON, columns, missing tasks, atomic writes."""
import csv
import json
import math

import numpy as np
import pytest

from nncore.diagnostics import EvaluationDiagnostics, LayerHistory, LayerRows
from nncore.experiment import Divergence, MnistHistory, run_paths
from nncore.results import run_record, write_run
from nncore.files import ExportError, atomic_write, write_text
from nncore.settings import Settings
from nncore.training_rules import NotLearning


def _strict_json(text):
    """json.loads that rejects NaN/Infinity, which strict JSON does not have."""
    def reject(constant):
        raise AssertionError(f"non-standard JSON constant {constant}")
    return json.loads(text, parse_constant=reject)


def _read_csv(path):
    with open(path, newline="") as stream:
        return list(csv.reader(stream))


@pytest.fixture
def settings():
    s = Settings(optimizers=("SGD", "Adam"))
    s.mnist.iterations = 5
    return s


@pytest.fixture
def history():
    """A 5-iteration history stopped after 4, in which Adam diverged at iteration 3."""
    h = MnistHistory(("SGD", "Adam"), 5)
    h.losses["SGD"][:4] = [2.3, 2.1, 1.9, 1.7]
    h.losses["Adam"][:4] = [2.3, 9.0, np.nan, np.nan]
    h.accuracies["SGD"].extend([(0, 0.1), (2, 0.35), (4, 0.5)])
    h.accuracies["Adam"].extend([(0, 0.1), (2, 0.2)])
    h.diverged["Adam"] = Divergence(3, "the loss became infinite or NaN")
    h.not_learning["SGD"] = NotLearning(4, "not learning: test accuracy at chance")
    h.completed, h.elapsed = 4, 0.25
    h.layers["SGD"] = LayerHistory()
    h.layers["SGD"].add(LayerRows(np.array([2]), np.array([[1e-3, 2e-3]]), np.array([[0.5, 0.25]]),
                                  np.array([[10.0, 3.0]])))
    h.layers["SGD"].add(LayerRows(np.array([4]), np.array([[5e-4, np.nan]]), np.array([[0.4, 0.2]]),
                                  np.array([[10.5, 3.5]])))
    confusion = np.arange(100).reshape(10, 10)
    h.evaluations["SGD"] = EvaluationDiagnostics(4, confusion, np.zeros((0, 784), np.uint8),
                                                 np.zeros(0, int), np.zeros(0, int),
                                                 np.zeros((784, 3), np.float32))
    return h


def test_run_record_follows_the_schema(settings, history):
    paths = run_paths(settings)
    record = _strict_json(json.dumps(run_record(settings, paths, history), allow_nan=False))
    assert Settings.from_dict(record["settings"]) == settings
    p = record["paths"]
    assert (p["function"], p["start"], p["steps"]) == ("book", [-7.0, 2.0], 29)
    sgd = p["optimizers"]["SGD"]
    assert sgd["hyperparameters"] == {"lr": 0.95}
    assert sgd["points"] == paths["SGD"].points.tolist() and len(sgd["points"]) == 30
    assert sgd["diverged_at"] is None and sgd["reason"] is None
    m = record["mnist"]
    assert (m["iterations"], m["completed"], m["finished"], m["batch_size"]) == (5, 4, False, 128)
    assert m["optimizers"]["SGD"] == {
        "optimizer": "SGD", "schedule": None, "hyperparameters": {"lr": 0.01}, "loss": [2.3, 2.1, 1.9, 1.7],
        "test_accuracy": [[0, 0.1], [2, 0.35], [4, 0.5]], "diverged_at": None, "reason": None,
        "not_learning_at": 4, "not_learning_reason": "not learning: test accuracy at chance",
        "layers": {"iterations": [2, 4], "update_ratio": [[1e-3, 2e-3], [5e-4, None]],
                   "gradient_norm": [[0.5, 0.25], [0.4, 0.2]], "weight_norm": [[10.0, 3.0], [10.5, 3.5]]},
        "confusion": np.arange(100).reshape(10, 10).tolist(), "confusion_iteration": 4}
    adam = m["optimizers"]["Adam"]
    assert adam["loss"] == [2.3, 9.0, None, None]  # NaN -> null
    assert adam["hyperparameters"] == {"lr": 0.001, "beta1": 0.9, "beta2": 0.999}
    assert (adam["diverged_at"], adam["reason"]) == (3, "the loss became infinite or NaN")
    assert (adam["not_learning_at"], adam["not_learning_reason"]) == (None, None)
    assert adam["layers"] is None and adam["confusion"] is None
    assert record["timing"] == {"mnist_training_seconds": 0.25}


def test_write_run_writes_every_file_with_its_columns(tmp_path, settings, history):
    paths = run_paths(settings)
    written = write_run(tmp_path / "out", settings, paths, history)
    assert sorted(p.name for p in written) == ["accuracy.csv", "layers.csv", "losses.csv", "paths.csv",
                                               "run.json", "summary.csv"]
    record = _strict_json((tmp_path / "out" / "run.json").read_text())
    assert record == _strict_json(json.dumps(run_record(settings, paths, history)))

    losses = _read_csv(tmp_path / "out" / "losses.csv")
    assert losses[0] == ["iteration", "SGD", "Adam"]
    assert [row[0] for row in losses[1:]] == ["1", "2", "3", "4"]
    assert [float(row[1]) for row in losses[1:]] == [2.3, 2.1, 1.9, 1.7]
    assert [row[2] for row in losses[1:]] == ["2.3", "9.0", "", ""]  # diverged: empty cells

    accuracy = _read_csv(tmp_path / "out" / "accuracy.csv")
    assert accuracy[0] == ["optimizer", "iteration", "accuracy"]
    assert accuracy[1:] == [["SGD", "0", "0.1"], ["SGD", "2", "0.35"], ["SGD", "4", "0.5"],
                            ["Adam", "0", "0.1"], ["Adam", "2", "0.2"]]

    layers = _read_csv(tmp_path / "out" / "layers.csv")
    assert layers[0] == ["optimizer", "iteration", "layer", "update_ratio", "gradient_norm", "weight_norm"]
    assert layers[1:] == [["SGD", "2", "1", "0.001", "0.5", "10.0"], ["SGD", "2", "2", "0.002", "0.25", "3.0"],
                          ["SGD", "4", "1", "0.0005", "0.4", "10.5"], ["SGD", "4", "2", "", "0.2", "3.5"]]

    rows = _read_csv(tmp_path / "out" / "paths.csv")
    assert rows[0] == ["optimizer", "step", "x", "y"]
    adam = np.array([[float(r[2]), float(r[3])] for r in rows[1:] if r[0] == "Adam"])
    assert np.array_equal(adam, paths["Adam"].points)
    assert [int(r[1]) for r in rows[1:] if r[0] == "SGD"] == list(range(30))


def test_diverged_path_is_recorded(settings):
    settings.path_hyperparameters["SGD"]["lr"] = 100.0  # x^2/20 + y^2: y grows 199x per step
    settings.paths.steps = 500
    paths = run_paths(settings)
    record = run_record(settings, paths, None)["paths"]["optimizers"]["SGD"]
    assert record["diverged_at"] == paths["SGD"].diverged_at is not None
    assert record["reason"] and all(math.isfinite(v) for point in record["points"] for v in point)


def test_a_task_not_run_is_null_and_its_stale_csv_removed(tmp_path, settings, history):
    write_run(tmp_path, settings, run_paths(settings), history)
    written = write_run(tmp_path, settings, None, history)
    assert sorted(p.name for p in written) == ["accuracy.csv", "layers.csv", "losses.csv", "run.json",
                                               "summary.csv"]
    assert not (tmp_path / "paths.csv").exists()
    assert _strict_json((tmp_path / "run.json").read_text())["paths"] is None

    write_run(tmp_path, settings, run_paths(settings), None)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["paths.csv", "run.json"]
    record = _strict_json((tmp_path / "run.json").read_text())
    assert record["mnist"] is None and record["timing"]["mnist_training_seconds"] is None


def test_unwritable_directory_raises_export_error_naming_it(tmp_path, settings):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    with pytest.raises(ExportError, match="a-file"):
        write_run(blocker / "out", settings, run_paths(settings), None)
    assert blocker.read_text() == "not a folder"


def test_failed_write_keeps_the_old_file_and_leaves_no_partial_file(tmp_path):
    target = tmp_path / "run.json"
    target.write_text("old")

    def fail_halfway(temporary):
        temporary.write_text("half of the new cont")
        raise OSError(28, "No space left on device")

    with pytest.raises(ExportError, match="No space left on device") as error:
        atomic_write(target, fail_halfway)
    assert error.value.path == target
    assert target.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["run.json"]


def test_replacing_a_directory_fails_cleanly(tmp_path):
    (tmp_path / "losses.csv").mkdir()
    with pytest.raises(ExportError, match="losses.csv"):
        write_text(tmp_path / "losses.csv", "iteration\n")
    assert [p.name for p in tmp_path.iterdir()] == ["losses.csv"]


def test_missing_folder_is_named(tmp_path):
    with pytest.raises(ExportError, match="does not exist"):
        write_text(tmp_path / "nowhere" / "run.json", "{}")


def test_written_files_get_normal_permissions(tmp_path):
    import os
    umask = os.umask(0o022)
    os.umask(umask)
    path = write_text(tmp_path / "x.csv", "a\n")
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
