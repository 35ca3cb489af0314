"""Run entries: labels, validation, the --run text, settings files of both versions."""
import json

import pytest

from nncore.cli import UsageError, parse_command_line
from nncore.entries import RunEntry, entry_labels, make_entry, parse_run, run_text
from nncore.schedules import ScheduleSpec
from nncore.settings import SETTINGS_VERSION, Settings
from nncore.settings_file import settings_from_json


def test_a_lone_entry_is_labelled_by_its_optimizer_and_siblings_by_what_differs():
    entries = [make_entry("Adam", mnist={"lr": 0.001}), make_entry("Adam", mnist={"lr": 0.01}),
               make_entry("SGD")]
    assert entry_labels(entries) == ["Adam lr=0.001", "Adam lr=0.01", "SGD"]
    entries = [make_entry("SGD", paths={"lr": 0.3}, schedule=ScheduleSpec("cosine")),
               make_entry("SGD")]
    assert entry_labels(entries) == ["SGD path.lr=0.3 schedule=cosine", "SGD path.lr=0.95 schedule=constant"]


def test_identical_entries_and_repeated_labels_are_refused():
    with pytest.raises(ValueError, match="entries 1 and 2 are both labelled 'Adam'"):
        entry_labels([make_entry("Adam"), make_entry("Adam")])
    with pytest.raises(ValueError, match="labelled 'fast'"):
        Settings(entries=(make_entry("Adam", label="fast"), make_entry("SGD", label="fast"))).validate()


def test_an_explicit_label_wins_and_unticked_entries_do_not_count():
    entries = (make_entry("Adam", label="fast", mnist={"lr": 0.01}), make_entry("Adam"),
               make_entry("Adam", mnist={"lr": 0.1}, enabled=False))
    settings = Settings(entries=entries).validate()
    assert settings.labels() == ("fast", "Adam")
    assert settings.hyperparameters("mnist", "fast")["lr"] == 0.01


def test_bad_entries_name_the_problem():
    with pytest.raises(ValueError, match=r"entry Adam \(MNIST\): lr must be a number in \(0, 100\], got 0.0"):
        Settings(entries=(make_entry("Adam", mnist={"lr": 0.0}),)).validate()
    with pytest.raises(ValueError, match="no entry selected"):
        Settings(entries=(make_entry("Adam", enabled=False),)).validate()
    with pytest.raises(ValueError, match="colour must be #rrggbb"):
        Settings(entries=(make_entry("Adam", color="red"),)).validate()


def test_run_text_parses_every_kind_of_value():
    entry = parse_run("adam lr=0.01 path.lr=0.3 schedule=step:gamma=0.5,every=500 warmup=20 "
                      "'label=fast one' color=#123456")
    assert entry.optimizer == "Adam"
    assert entry.hyperparameters("mnist")["lr"] == 0.01
    assert entry.hyperparameters("paths")["lr"] == 0.3
    assert entry.hyperparameters("mnist")["beta1"] == 0.9
    assert entry.schedule == ScheduleSpec("step", {"gamma": 0.5, "every": 500}, warmup=20)
    assert entry.label == "fast one" and entry.color == "#123456"
    assert parse_run(run_text(entry)) == entry
    assert parse_run("SGD warmup=10").schedule == ScheduleSpec("constant", {}, 10)


@pytest.mark.parametrize("text, message", [
    ("Adan lr=0.1", "unknown optimizer 'Adan'"),
    ("Adam beta3=0.1", "Adam has no hyperparameter 'beta3'"),
    ("Adam lr=fast", "lr must be a number, got 'fast'"),
    ("Adam lr=200", r"lr must be a number in \(0, 100\], got 200.0"),
    ("Adam 0.01", "expected key=value after the optimizer, got '0.01'"),
    ("Adam schedule=linear", "unknown schedule 'linear'"),
    ("Adam 'label=x", "No closing quotation"),
    ("Adam warmup=-3", r"warmup \(updates\) must be a whole number in \[0, 1000000\], got -3"),
])
def test_bad_run_texts_are_refused_with_one_line(text, message):
    with pytest.raises(UsageError, match=message):
        parse_command_line(["--run", text])


def test_runs_replace_the_selection_and_keep_the_tables_flags():
    settings = parse_command_line(["--lr", "Adam=0.005", "--run", "Adam", "--run", "Adam beta1=0.8",
                                   "--repeats", "3"]).settings
    assert settings.labels() == ("Adam beta1=0.9", "Adam beta1=0.8")
    assert [e.hyperparameters("mnist")["lr"] for e in settings.run_entries().values()] == [0.005, 0.005]
    assert settings.optimizers == ("Adam",)
    assert settings.mnist.repeats == 3
    with pytest.raises(UsageError, match="repeats must be a whole number in \\[1, 100\\], got 0"):
        parse_command_line(["--repeats", "0"])


def test_settings_with_entries_round_trip_with_their_version(tmp_path):
    settings = parse_command_line(["--run", "Adam lr=0.01 schedule=cosine:min=1e-05 label=fast",
                                   "--run", "SGD warmup=5"]).settings
    data = json.loads(json.dumps(settings.to_dict()))
    assert data["version"] == SETTINGS_VERSION
    assert [e["label"] for e in data["entries"]] == ["fast", ""]
    assert Settings.from_dict(data) == settings
    path = tmp_path / "settings.json"
    path.write_text(json.dumps(data))
    again = parse_command_line(["--config", str(path)]).settings
    assert again.labels() == ("fast", "SGD")
    # --lr applies to the entries of a config file, --optimizers replaces them
    assert parse_command_line(["--config", str(path), "--lr", "0.2"]).settings.hyperparameters("mnist", "fast")["lr"] == 0.2
    assert parse_command_line(["--config", str(path), "--optimizers", "AdaGrad"]).settings.labels() == ("AdaGrad",)


def test_a_version_1_file_loads_as_entries_of_its_selection():
    old = {"task": "both", "optimizers": ["SGD", "Adam"],
           "mnist_hyperparameters": {"Adam": {"lr": 0.002}},
           "path_hyperparameters": {"SGD": {"lr": 0.5}}}
    settings = settings_from_json(json.dumps({"settings": old}))
    assert settings.labels() == ("SGD", "Adam")
    entries = settings.run_entries()
    assert entries["Adam"].hyperparameters("mnist")["lr"] == 0.002
    assert entries["SGD"].hyperparameters("paths")["lr"] == 0.5
    assert settings.version == SETTINGS_VERSION
    with pytest.raises(ValueError, match="version 3 was written by a newer Optimizer Lab"):
        Settings.from_dict({**old, "version": 3})


def test_entries_in_a_file_are_checked_strictly():
    base = Settings().to_dict()
    for entry, message in ((dict(optimizer="Adam", lr=1), "entries\\[0\\]: unknown entry setting 'lr'"),
                           (dict(optimizer="Adam", enabled=1), "enabled must be true or false"),
                           (dict(optimizer="Adam", schedule={"name": "cosine", "parameters": {"min": -1}}),
                            r"min \(learning rate\) must be a number in \[0, 100\], got -1")):
        with pytest.raises(ValueError, match=message):
            Settings.from_dict({**base, "entries": [entry]})


def test_presets_return_to_the_books_entries():
    from nncore.settings import book_mnist_preset
    settings = parse_command_line(["--run", "Adam lr=0.01", "--run", "Adam"]).settings
    assert book_mnist_preset(settings).labels() == ("SGD", "Momentum", "AdaGrad", "Adam")


def test_entries_equal_to_the_selection_compare_equal_to_it():
    assert parse_command_line(["--run", "SGD", "--run", "Momentum", "--run", "AdaGrad",
                               "--run", "Adam"]).settings == Settings()
    assert isinstance(Settings().all_entries()[0], RunEntry)
