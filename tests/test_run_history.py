"""The kept runs (newest 50), reading any run.json back, and the caption of exported figures."""
import json
from datetime import datetime, timedelta, timezone

import numpy as np
import pytest

from nncore.caption import caption
from nncore.cli import parse_command_line
from nncore.entries import make_entry
from nncore.experiment import MnistHistory, run_paths
from nncore.results import run_record
from nncore.run_history import RunHistory, mnist_history, path_results, read_run, run_settings
from nncore.settings import MnistSettings, Settings


@pytest.fixture
def record():
    settings = Settings(entries=(make_entry("Adam", mnist={"lr": 0.001}), make_entry("Adam", mnist={"lr": 0.01})),
                        mnist=MnistSettings(iterations=4)).validate()
    history = MnistHistory(settings.labels(), 4)
    history.losses["Adam lr=0.001"][:] = [2.3, 2.0, 1.5, np.nan]
    history.losses["Adam lr=0.01"][:] = [2.3, 1.0, 0.5, 0.4]
    history.accuracies["Adam lr=0.001"].extend([(0, 0.1), (4, 0.5)])
    history.accuracies["Adam lr=0.01"].extend([(0, 0.1), (4, 0.9)])
    history.completed, history.finished = 4, True
    return run_record(settings, run_paths(settings), history)


def test_runs_are_kept_newest_first_and_only_the_newest_fifty(tmp_path, record):
    history = RunHistory(tmp_path / "runs", keep=3)
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    for minute in range(5):
        history.add(record, start + timedelta(minutes=minute))
    runs = history.runs()
    assert [r.time for r in runs] == ["2026-01-01 00:04:00", "2026-01-01 00:03:00", "2026-01-01 00:02:00"]
    assert len(list((tmp_path / "runs").iterdir())) == 3
    assert runs[0].labels == ("Adam lr=0.001", "Adam lr=0.01")
    assert runs[0].headline == "Adam lr=0.001 50.0 %, Adam lr=0.01 90.0 %"
    assert runs[0].task == "both"
    assert RunHistory(tmp_path / "none").runs() == []


def test_a_record_gives_back_its_settings_curves_and_paths(tmp_path, record):
    path = tmp_path / "run.json"
    path.write_text(json.dumps(record))
    again = read_run(path)
    assert run_settings(again).labels() == ("Adam lr=0.001", "Adam lr=0.01")
    history = mnist_history(again)
    assert history.names == ("Adam lr=0.001", "Adam lr=0.01") and history.completed == 4
    assert np.isnan(history.losses["Adam lr=0.001"][3])
    assert history.accuracies["Adam lr=0.01"] == [(0, 0.1), (4, 0.9)]
    paths = path_results(again)
    assert paths["Adam lr=0.01"].points.shape == (30, 2)


@pytest.mark.parametrize("content, message", [
    ("{}", "has no \"settings\" object"),
    ("[1]", "has no \"settings\" object"),
    ('{"settings": {"task": "all"}}', "task must be one of both, paths, mnist"),
    ('{"settings": {}, "mnist": {"x": 1}}', "\"mnist\" has no \"optimizers\" object"),
    ("not json", "not valid JSON"),
])
def test_a_file_that_is_not_a_run_is_refused_naming_it(tmp_path, content, message):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(ValueError, match=message) as error:
        read_run(path)
    assert str(error.value).startswith(str(path))


def test_caption_names_entries_with_their_non_default_values_and_the_task_settings():
    settings = parse_command_line(["--run", "Adam lr=0.01 schedule=cosine", "--run", "SGD",
                                   "--repeats", "3", "--seed", "7", "--iterations", "500"]).settings
    assert caption(settings, "mnist") == ("Adam lr=0.01 schedule=cosine \u00b7 SGD \u00b7 MNIST: "
                                          "500 iterations, batch 128, seed 7, 3 repeats")
    assert caption(Settings(), "paths") == ("SGD \u00b7 Momentum \u00b7 AdaGrad \u00b7 Adam \u00b7 "
                                            "2D: book from (-7, 2), 29 steps")


def test_runs_parses_each_file_once_until_it_changes(tmp_path, record, monkeypatch):
    import nncore.run_history

    parsed = []
    original = nncore.run_history.read_run
    monkeypatch.setattr(nncore.run_history, "read_run", lambda path: parsed.append(path.name) or original(path))
    history = RunHistory(tmp_path / "runs")
    start = datetime(2026, 1, 1, tzinfo=timezone.utc)
    first = history.add(record, start)
    second = history.add(record, start + timedelta(minutes=1))
    assert [r.path for r in history.runs()] == [second, first]
    assert parsed == []  # what add() wrote is listed without reading it back
    assert history.runs() == RunHistory(tmp_path / "runs").runs()  # a fresh reader lists the same
    parsed.clear()
    first.write_text("not json")  # replaced: read again (and left out)
    assert [r.path for r in history.runs()] == [second]
    assert parsed == [first.name]
    parsed.clear()
    history.runs()
    assert parsed == []
    other = dict(record, mnist=None)
    first.write_text(json.dumps(other))
    assert [r.task for r in history.runs()] == ["both", "both"] and parsed == [first.name]
    assert history.runs()[1].headline != history.runs()[0].headline
