"""Settings files and flags are checked strictly: nothing is coerced, every problem is one line
with exit status 2 naming the file (issue 12, items 2-4)."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import main
from nncore import ranges
from nncore.cli import parse_command_line
from nncore.optimizers import OPTIMIZERS
from nncore.settings import Settings
from nncore.settings_file import MAX_BYTES, SettingsFileError, read_settings_file, settings_from_json

ROOT = Path(__file__).resolve().parent.parent


def _one_error_line(capsys) -> str:
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("optimizer-lab: error: ")
    return lines[0]


@pytest.mark.parametrize("content, words", [
    ({"mnist": {"same_initial_weights": "no"}}, ["same initial weights", "'no'"]),
    ({"mnist": {"same_initial_weights": 0}}, ["same initial weights"]),
    ({"mnist": {"hidden_sizes": [100.7]}}, ["hidden layer size", "[1, 4096]", "100.7"]),
    ({"mnist": {"hidden_sizes": [100.0]}}, ["hidden layer size", "whole number"]),
    ({"mnist": {"hidden_sizes": [True]}}, ["hidden layer size", "True"]),
    ({"mnist": {"hidden_sizes": [None]}}, ["hidden layer size", "None"]),
    ({"mnist": {"hidden_sizes": "100"}}, ["hidden_sizes", "list"]),
    ({"mnist": {"weight_decay": True}}, ["weight decay", "[0, 1000]"]),
    ({"mnist": {"iterations": "50"}}, ["iterations", "'50'"]),
    ({"mnist": {"seed": 2 ** 32}}, ["seed", "[0, 4294967295]", "4294967296"]),
    ({"mnist": {"seed": 10 ** 400}}, ["seed", "300 digits"]),
    ({"paths": {"start": [1, "2"]}}, ["start coordinate", "'2'"]),
    ({"paths": {"steps": 29.5}}, ["steps", "whole number"]),
    ({"optimizers": ["SGD", "SGD"]}, ["'SGD'", "twice"]),
    ({"optimizers": ["SGD"] * 1_000_000}, ["'SGD'", "twice"]),
    ({"optimizers": [["SGD"]]}, ["unknown optimizer"]),
    ({"mnist": {"data_dir": 5}}, ["data folder", "5"]),
    ({"mnist": {"data_dir": ""}}, ["data folder"]),
    ({"mnist": {"activation": 1}}, ["activation"]),
    ({"mnist": {"weight_init": 0.01}}, ["weight init"]),
    ({"task": ["both"]}, ["task"]),
    ({"paths": {"function": {}}}, ["function"]),
    ({"mnist_hyperparameters": {"Adam": {"lr": "0.1"}}}, ["Adam", "lr", "'0.1'"]),
    ({"mnist_hyperparameters": {"Adam": {"beta1": False}}}, ["Adam", "beta1"]),
    # not selected, still checked: it would be used as soon as it is ticked
    ({"optimizers": ["SGD"], "mnist_hyperparameters": {"Adam": {"lr": 1e9}}}, ["Adam", "lr", "(0, 100]"]),
    ({"optimizers": ["SGD"], "path_hyperparameters": {"AdamW": {"beta2": 1}}}, ["AdamW", "beta2", "[0, 1)"]),
])
def test_settings_are_checked_not_coerced(tmp_path, capsys, content, words):
    with pytest.raises(ValueError) as info:
        Settings.from_dict(json.loads(json.dumps(content)))
    for word in words:
        assert word in str(info.value)
    config = tmp_path / "bad.json"
    config.write_text(json.dumps(content))
    assert main.main(["--config", str(config), "--save-config", str(tmp_path / "s.json")]) == 2
    line = _one_error_line(capsys)
    assert str(config) in line and all(word in line for word in words)


@pytest.mark.parametrize("text, words", [
    ('{"mnist": {"hidden_sizes": [Infinity]}}', ["hidden layer size", "inf"]),
    ('{"mnist": {"hidden_sizes": [1e400]}}', ["hidden layer size", "inf"]),
    ('{"mnist": {"weight_decay": NaN}}', ["weight decay", "nan"]),
    ('{"mnist_hyperparameters": {"SGD": {"lr": -Infinity}}}', ["SGD", "lr"]),
    ('{"mnist": {"seed": ' + "9" * 5000 + "}}", ["digits"]),
    ("[" * 100_000, ["nested too deeply"]),
    ('{"mnist": {"seed": 1, "seed": 2}}', ["'seed'", "twice"]),
    ("", ["not valid JSON"]),
])
def test_hostile_json_is_refused_in_one_line(tmp_path, capsys, text, words):
    config = tmp_path / "hostile.json"
    config.write_text(text)
    with pytest.raises(SettingsFileError) as info:
        read_settings_file(config)
    assert isinstance(info.value, ValueError) and info.value.path == config
    assert main.main(["--config", str(config), "--save-config", str(tmp_path / "s.json")]) == 2
    line = _one_error_line(capsys)
    assert str(config) in line and all(word in line for word in words)


def test_json_integers_become_the_floats_the_fields_hold():
    s = settings_from_json('{"mnist": {"weight_decay": 1}, "paths": {"start": [1, 2]},'
                           ' "mnist_hyperparameters": {"SGD": {"lr": 1}}}')
    assert type(s.mnist.weight_decay) is float and s.paths.start == (1.0, 2.0)
    assert all(type(v) is float for v in s.paths.start)
    assert type(s.mnist_hyperparameters["SGD"]["lr"]) is float
    assert s == Settings.from_dict(s.to_dict())


def test_only_regular_files_are_read(tmp_path, capsys):
    assert main.main(["--config", "/dev/zero", "--save-config", str(tmp_path / "s.json")]) == 2
    assert "/dev/zero" in _one_error_line(capsys)
    assert main.main(["--config", str(tmp_path), "--save-config", str(tmp_path / "s.json")]) == 2
    assert "a folder" in _one_error_line(capsys)


def test_a_fifo_is_refused_without_waiting_for_a_writer(tmp_path):
    fifo = tmp_path / "settings.json"
    os.mkfifo(fifo)
    # A real process: if it blocked on the FIFO the timeout would end the test with an error.
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--config", str(fifo)],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"optimizer-lab: error: --config {fifo}: not a regular file: a settings file must be a "
        f"regular file"]


def test_files_larger_than_the_cap_are_refused_before_reading(tmp_path):
    big = tmp_path / "big.json"
    with open(big, "wb") as stream:  # sparse: no disk space used
        stream.truncate(MAX_BYTES + 1)
    with pytest.raises(SettingsFileError, match=f"{MAX_BYTES} bytes"):
        read_settings_file(big)
    at_cap = tmp_path / "at_cap.json"
    with open(at_cap, "wb") as stream:
        stream.write(b"{}")
        stream.write(b" " * (1024 * 1024 - 2))
    assert read_settings_file(at_cap) == Settings()


@pytest.mark.parametrize("argv, words", [
    (["--weight-init", "inf"], ["weight init std", "(0, 100]", "inf"]),
    (["--weight-init", "1e400"], ["weight init std", "(0, 100]", "1e400"]),
    (["--weight-init", "1e300"], ["weight init std", "(0, 100]", "1e300"]),
    (["--weight-init", "nan"], ["weight init std", "(0, 100]"]),
    (["--weight-init", "0"], ["weight init std", "(0, 100]"]),
    (["--optimizers", "SGD", "--lr", "Adam=1e9"], ["Adam", "lr", "(0, 100]"]),
    (["--optimizers", "SGD", "--path-hp", "Adam.beta1=1"], ["Adam", "beta1", "[0, 1)"]),
    (["--save-config", ""], ["--save-config", "empty"]),
    (["--save-config", "/"], ["--save-config", "folder"]),
    (["--save-config", "."], ["--save-config", "folder"]),
    (["--save-config", "/no/such/folder/s.json"], ["--save-config", "/no/such/folder", "does not exist"]),
    (["--headless", "--out", ""], ["--out", "empty"]),
    (["--config", ""], ["--config", "empty"]),
    (["--data-dir", ""], ["--data-dir", "empty"]),
    (["--autorun", "--screenshot", "", "--task", "paths"], ["--screenshot", "empty"]),
    (["--autorun", "--screenshot", "/", "--task", "paths"], ["--screenshot", "folder"]),
    (["--iterations", "1e3"], ["iterations", "[1, 1000000]", "'1e3'"]),
    (["--optimizers", "SGD,Adam,sgd"], ["--optimizers", "SGD is listed twice"]),
    (["--seed", "4294967296"], ["seed", "[0, 4294967295]"]),
    (["--weight-decay", "lots"], ["weight decay", "[0, 1000]", "'lots'"]),
    (["--hidden", "100.7"], ["--hidden", "[1, 4096]"]),
    (["--hidden", ",".join(["10"] * 17)], ["number of hidden layers", "[1, 16]"]),
])
def test_bad_flags_exit_2_with_the_range(argv, words, capsys, tmp_path):
    modes = {"--headless", "--autorun", "--save-config"}
    if not modes & set(argv):  # were the value accepted, only write settings: never open a window
        argv = [*argv, "--save-config", str(tmp_path / "settings.json")]
    assert main.main(argv) == 2
    line = _one_error_line(capsys)
    for word in words:
        assert word in line, line
    assert capsys.readouterr().out == ""


def test_screenshot_errors_end_the_real_process_at_once():
    """``--autorun --screenshot ""`` once printed a traceback and hung: now exit 2 before Qt."""
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--autorun", "--screenshot", "",
                           "--task", "paths"], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 2
    assert done.stderr.splitlines() == ["optimizer-lab: error: argument --screenshot: the path is empty"]


def test_scientific_notation_where_values_can_be_tiny(tmp_path):
    s = parse_command_line(["--lr", "SGD=1e-9", "--path-lr", "Adam=2.5E-7", "--weight-decay", "1e-12",
                            "--weight-init", "1e-5"]).settings
    assert s.hyperparameters("mnist", "SGD")["lr"] == 1e-9
    assert s.hyperparameters("paths", "Adam")["lr"] == 2.5e-7
    assert (s.mnist.weight_decay, s.mnist.weight_init) == (1e-12, "1e-5")


def test_data_dir_is_stored_as_an_absolute_path(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    s = parse_command_line(["--data-dir", "fashion"]).settings
    assert s.mnist.data_dir == str(tmp_path / "fashion")
    (tmp_path / "c.json").write_text(json.dumps({"mnist": {"data_dir": "sub/dir"}}))
    assert parse_command_line(["--config", "c.json"]).settings.mnist.data_dir == str(tmp_path / "sub" / "dir")


# ---- every range at its exact boundary ---------------------------------------------------------

ALL_RANGES = [value for value in vars(ranges).values() if isinstance(value, ranges.Range)]
HYPERPARAMETER_RANGES = [hp.range for cls in OPTIMIZERS.values() for hp in cls.hyperparameters]


def _just_outside(valid: ranges.Range, bound: float, direction: float) -> float:
    if valid.integer:
        return bound + direction
    return float(np.nextafter(bound, bound + direction))


@pytest.mark.parametrize("valid", ALL_RANGES + HYPERPARAMETER_RANGES, ids=lambda r: r.label)
def test_each_range_at_its_exact_boundaries(valid):
    for bound, inclusive, outward in ((valid.minimum, valid.minimum_inclusive, -1),
                                      (valid.maximum, valid.maximum_inclusive, +1)):
        bound = int(bound) if valid.integer else float(bound)
        if inclusive:
            assert valid.check(bound) == bound
        else:
            with pytest.raises(ValueError, match=re.escape(valid.text())):
                valid.check(bound)
            inside = _just_outside(valid, bound, -outward)
            assert valid.check(inside) == inside
        outside = _just_outside(valid, bound, outward) if inclusive else bound
        assert not valid.contains(outside)
        with pytest.raises(ValueError) as info:
            valid.check(outside)
        assert valid.label in str(info.value) and valid.text() in str(info.value)


def test_hyperparameters_use_the_one_range_logic():
    for cls in OPTIMIZERS.values():
        for hp in cls.hyperparameters:
            assert hp.range_text() == hp.range.text()
            for value in (hp.minimum, hp.maximum, hp.default, float("inf"), float("nan")):
                assert hp.contains(value) == hp.range.contains(value)
            with pytest.raises(ValueError, match=hp.name):
                hp.validate("0.5")  # text is refused, never converted
            with pytest.raises(ValueError, match=hp.name):
                hp.validate(True)


@pytest.mark.parametrize("flag, valid", [
    ("--steps", ranges.STEPS), ("--iterations", ranges.ITERATIONS),
    ("--batch-size", ranges.BATCH_SIZE), ("--eval-interval", ranges.EVAL_INTERVAL),
    ("--seed", ranges.SEED), ("--weight-decay", ranges.WEIGHT_DECAY),
])
def test_flags_accept_exactly_their_range(flag, valid, capsys, tmp_path):
    for bound in (valid.minimum, valid.maximum):
        text = str(int(bound)) if float(bound).is_integer() else repr(bound)
        parse_command_line([flag, text])  # valid at the bound
    below = str(int(valid.minimum) - 1)
    above = str(int(valid.maximum) + 1)
    for text in (below, above):
        assert main.main([flag, text, "--save-config", str(tmp_path / "settings.json")]) == 2
        assert valid.text() in _one_error_line(capsys)
