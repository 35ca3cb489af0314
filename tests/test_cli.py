"""The command line: flags and --config files to Settings, --help, and one-line errors with exit 2."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

import main
from nncore.cli import UsageError, parse_command_line
from nncore.settings import Settings

ROOT = Path(__file__).resolve().parent.parent

EVERY_SETTING = [
    "--task", "mnist", "--optimizers", "rmsprop,AdamW", "--function", "Rosenbrock",
    "--start", "-1.5,2.5", "--steps", "50", "--iterations", "300", "--batch-size", "64",
    "--hidden", "50,20", "--activation", "sigmoid", "--weight-init", "0.05",
    "--weight-decay", "0.001", "--seed", "7", "--eval-interval", "25", "--no-same-init",
    "--data-dir", "/data/fashion",
    "--quadratic", "0.5,3,30", "--noise", "0.1", "--noise-seed", "4", "--cloud", "10",
]
"""Flags changing every scalar setting from its default (hyperparameters are tested apart)."""


def _leaves(value, prefix=""):
    """Every leaf of a nested dict as 'a.b.c' -> value."""
    if isinstance(value, dict):
        for key, inner in value.items():
            yield from _leaves(inner, f"{prefix}{key}.")
    else:
        yield prefix.rstrip("."), value


def test_no_arguments_means_book_settings_and_no_explicit_settings():
    invocation = parse_command_line([])
    assert invocation.settings == Settings()
    assert not invocation.settings_given
    assert not invocation.headless and not invocation.autorun and invocation.screenshot is None


def _newer_optimizer_flags():
    """--hp and --path-hp flags changing every hyperparameter of the optimizers beyond the book's
    seven, each to a valid value one step from its default."""
    from nncore.optimizers import OPTIMIZERS
    book = {"SGD", "Momentum", "Nesterov", "AdaGrad", "RMSprop", "Adam", "AdamW"}
    changes = []
    for name, cls in OPTIMIZERS.items():
        for hp in cls.hyperparameters if name not in book else ():
            value = hp.default + hp.step if hp.contains(hp.default + hp.step) else hp.default - hp.step
            changes.append(f"{name}.{hp.name}={value!r}")
    return ["--hp", ",".join(changes), "--path-hp", ",".join(changes)]


def test_every_setting_has_a_flag():
    hyperparameter_flags = [
        "--path-lr", "SGD=0.5,Momentum=0.2,Nesterov=0.2,AdaGrad=1,RMSprop=0.2,Adam=0.2,AdamW=0.2",
        "--lr", "SGD=0.1,Momentum=0.02,Nesterov=0.02,AdaGrad=0.02,RMSprop=0.02,Adam=0.002,AdamW=0.002",
        "--path-hp", "Momentum.momentum=0.5,Nesterov.momentum=0.5,RMSprop.decay_rate=0.9",
        "--path-hp", "Adam.beta1=0.5,Adam.beta2=0.9,AdamW.beta1=0.5,AdamW.beta2=0.9,AdamW.weight_decay=0.1",
        "--hp", "Momentum.momentum=0.8,Nesterov.momentum=0.8,RMSprop.decay_rate=0.95",
        "--hp", "Adam.beta1=0.8,Adam.beta2=0.99,AdamW.beta1=0.8,AdamW.beta2=0.99,AdamW.weight_decay=0.05",
    ]
    invocation = parse_command_line(EVERY_SETTING + hyperparameter_flags + _newer_optimizer_flags()
                                    + ["--repeats", "3"])
    defaults = dict(_leaves(Settings().to_dict()))
    changed = dict(_leaves(invocation.settings.to_dict()))
    unchanged = sorted(key for key in defaults if defaults[key] == changed[key] and key != "version")
    assert unchanged == [], f"settings without a working flag: {unchanged}"
    assert invocation.settings_given


def test_flags_set_the_values_given():
    s = parse_command_line(EVERY_SETTING + ["--lr", "SGD=0.1", "--hp", "AdamW.beta1=0.8"]).settings
    assert s.task == "mnist" and s.optimizers == ("RMSprop", "AdamW")
    assert (s.paths.function, s.paths.start, s.paths.steps) == ("rosenbrock", (-1.5, 2.5), 50)
    m = s.mnist
    assert (m.iterations, m.batch_size, m.hidden_sizes, m.activation) == (300, 64, (50, 20), "sigmoid")
    assert (m.weight_init, m.weight_decay, m.seed, m.eval_interval) == ("0.05", 0.001, 7, 25)
    assert (m.same_initial_weights, m.data_dir) == (False, "/data/fashion")
    assert s.hyperparameters("mnist", "SGD")["lr"] == 0.1
    assert s.hyperparameters("mnist", "AdamW")["beta1"] == 0.8
    assert s.hyperparameters("paths", "SGD")["lr"] == 0.002  # --lr is MNIST only; Rosenbrock's 2D rate


def test_function_without_start_uses_the_functions_recommended_start():
    s = parse_command_line(["--function", "himmelblau"]).settings
    assert s.paths.start == (0.0, -0.5)
    s = parse_command_line(["--function", "himmelblau", "--start", "1,2"]).settings
    assert s.paths.start == (1.0, 2.0)


def test_bare_learning_rate_sets_every_selected_optimizer_only():
    s = parse_command_line(["--optimizers", "SGD,Adam", "--path-lr", "0.05"]).settings
    assert s.hyperparameters("paths", "SGD")["lr"] == 0.05
    assert s.hyperparameters("paths", "Adam")["lr"] == 0.05
    assert s.hyperparameters("paths", "Momentum")["lr"] == 0.1


def test_all_selects_every_optimizer():
    from nncore.optimizers import OPTIMIZERS
    assert parse_command_line(["--optimizers", "all"]).settings.optimizers == tuple(OPTIMIZERS)


def test_flags_override_config_which_overrides_defaults(tmp_path):
    config = tmp_path / "settings.json"
    config.write_text(json.dumps({"mnist": {"iterations": 111, "seed": 5}, "optimizers": ["Adam"]}))
    invocation = parse_command_line(["--config", str(config), "--seed", "9"])
    s = invocation.settings
    assert (s.mnist.iterations, s.mnist.seed, s.optimizers) == (111, 9, ("Adam",))
    assert s.mnist.batch_size == 128
    assert invocation.settings_given


def test_config_accepts_a_run_json(tmp_path):
    settings = Settings(optimizers=("Momentum",))
    settings.mnist.iterations = 42
    run_json = tmp_path / "run.json"
    run_json.write_text(json.dumps({"settings": settings.to_dict(), "paths": None, "mnist": None}))
    assert parse_command_line(["--config", str(run_json)]).settings == settings


def test_save_config_writes_settings_that_config_reads_back(tmp_path, capsys):
    target = tmp_path / "my.json"
    assert main.main(["--iterations", "77", "--hp", "Adam.beta1=0.7", "--save-config", str(target)]) == 0
    again = parse_command_line(["--config", str(target)]).settings
    assert again.mnist.iterations == 77 and again.hyperparameters("mnist", "Adam")["beta1"] == 0.7


def test_help_documents_every_flag(capsys):
    assert main.main(["--help"]) == 0
    text = capsys.readouterr().out
    for flag in ("--headless", "--out", "--task", "--optimizers", "--iterations", "--batch-size",
                 "--seed", "--function", "--start", "--steps", "--autorun", "--screenshot",
                 "--config", "--save-config", "--hidden", "--activation", "--weight-init",
                 "--weight-decay", "--eval-interval", "--same-init", "--no-same-init",
                 "--data-dir", "--lr", "--path-lr", "--hp", "--path-hp"):
        assert flag in text
    assert "AdamW" in text and "weight_decay" in text and "rosenbrock" in text


@pytest.mark.parametrize("argv, words", [
    (["--iterations", "-5"], ["iterations", "-5"]),
    (["--iterations", "many"], ["--iterations", "many"]),
    (["--optimizers", "SGD,Adamix"], ["unknown optimizer", "Adamix"]),
    (["--start", "1"], ["--start", "X,Y"]),
    (["--start", "a,2"], ["--start", "'a'"]),
    (["--start", "nan,2"], ["start", "[-1000000, 1000000]"]),
    (["--function", "himmelblau2"], ["unknown function", "himmelblau2"]),
    (["--config", "/no/such/settings.json"], ["--config", "No such file"]),
    (["--lr", "SGD=fast"], ["--lr", "'fast'"]),
    (["--hp", "Adam.gamma=1"], ["Adam", "gamma", "beta1"]),
    (["--hp", "Adam.beta1=1.5"], ["Adam", "beta1", "1.5"]),
    (["--hp", "beta1=0.5"], ["OPTIMIZER.NAME=VALUE"]),
    (["--batch-size", "0"], ["batch size"]),
    (["--hidden", "10,x"], ["--hidden", "10,x"]),
    (["--weight-init", "big"], ["weight init", "big"]),
    (["--task", "everything"], ["--task", "everything"]),
    (["--frobnicate"], ["unrecognized", "--frobnicate"]),
    (["--headless"], ["--headless", "--out"]),
    (["--out", "somewhere"], ["--out", "--headless"]),
    (["--screenshot", "a.png"], ["--screenshot", "--autorun"]),
    (["--headless", "--out", "d", "--autorun"], ["--autorun", "--headless"]),
])
def test_bad_arguments_exit_2_with_one_line_naming_the_problem(argv, words, capsys, monkeypatch):
    import gui.app  # were the arguments accepted, fail at once instead of opening a window
    monkeypatch.setattr(gui.app, "run_app", lambda *args: pytest.fail("the window was opened"))
    assert main.main(argv) == 2
    captured = capsys.readouterr()
    lines = captured.err.splitlines()
    assert len(lines) == 1, captured.err
    assert lines[0].startswith("optimizer-lab: error: ")
    for word in words:
        assert word in lines[0]
    assert captured.out == ""


@pytest.mark.parametrize("content, words", [
    ("{not json", ["not valid JSON", "line 1"]),
    ('{"mnist": {"iterations": 0}}', ["iterations"]),
    ('{"colour": "red"}', ["unknown setting", "colour"]),
    ("[1, 2]", ["JSON object"]),
])
def test_invalid_config_file_exits_2_naming_the_file(tmp_path, capsys, content, words):
    config = tmp_path / "bad.json"
    config.write_text(content)
    assert main.main(["--config", str(config), "--save-config", str(tmp_path / "s.json")]) == 2
    line, = capsys.readouterr().err.splitlines()
    assert str(config) in line
    for word in words:
        assert word in line


def test_usage_error_is_a_value_error():
    """Code that handles bad input catches ValueError (the window's dialogs do): a UsageError
    must be one, and parse_command_line must raise exactly it."""
    assert issubclass(UsageError, ValueError)
    with pytest.raises(ValueError) as info:
        parse_command_line(["--steps", "0"])
    assert type(info.value) is UsageError
    assert str(info.value) == "steps must be a whole number in [1, 100000], got 0"


def test_real_process_exit_status_for_bad_arguments():
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--iterations", "-5"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        "optimizer-lab: error: iterations must be a whole number in [1, 1000000], got -5"]


def test_function_without_steps_or_rates_uses_that_functions_defaults():
    from nncore.path_defaults import FUNCTION_PATH_HYPERPARAMETERS

    from nncore.functions import FUNCTIONS

    settings = parse_command_line(["--function", "rosenbrock"]).settings
    assert settings.paths.steps == FUNCTIONS["rosenbrock"].steps
    assert settings.path_hyperparameters["SGD"]["lr"] == FUNCTION_PATH_HYPERPARAMETERS["rosenbrock"]["SGD"]["lr"]
    flagged = parse_command_line(["--function", "rosenbrock", "--steps", "40",
                                  "--path-lr", "SGD=0.001"]).settings
    assert flagged.paths.steps == 40 and flagged.path_hyperparameters["SGD"]["lr"] == 0.001
    book = parse_command_line(["--function", "book"]).settings
    assert book == Settings()  # the book's function keeps the book's values
