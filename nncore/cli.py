"""The command line of Optimizer Lab: flags and ``--config`` files to :class:`Settings`, and what
to run (the window, an autorun with a screenshot, or a headless run). Pure: no Qt, no files
written.

Every setting of :class:`~nncore.settings.Settings` has a flag. Values are resolved as
defaults < ``--config FILE`` < flags, then validated by ``Settings.from_dict``. Any problem
raises :class:`UsageError` whose message is one line naming the problem.
"""
from __future__ import annotations

import argparse
import json
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from .functions import FUNCTIONS
from .mlp import ACTIVATIONS, WEIGHT_INITS
from .optimizers import BOOK_OPTIMIZERS, OPTIMIZERS, path_defaults
from .path_defaults import function_path_defaults
from .settings import TASKS, Settings

PROG = "optimizer-lab"


class UsageError(ValueError):
    """A bad command line or ``--config`` file; the message is one line naming the problem."""


USAGE_ERROR_STATUS = 2
"""Exit status for bad arguments and for unusable input or output (argparse's convention)."""


def report_error(error: Exception | str, stream=None) -> int:
    """Print ``optimizer-lab: error: <message>`` as one line on stderr; return the exit status 2."""
    message = " ".join(str(error).split())
    print(f"{PROG}: error: {message}", file=sys.stderr if stream is None else stream)
    return USAGE_ERROR_STATUS


@dataclass(frozen=True)
class Invocation:
    """What the command line asks for.

    ``settings`` is always complete and valid; ``settings_given`` says whether ``--config`` or a
    settings flag was used (the window then starts from ``settings`` instead of restoring the
    last session).
    """

    settings: Settings
    settings_given: bool
    headless: bool = False
    out: Path | None = None
    autorun: bool = False
    screenshot: Path | None = None
    save_config: Path | None = None


# Flag destination -> (section of Settings.to_dict(), key) for the flags that set one value.
_FIELD_FLAGS = {
    "task": (None, "task"),
    "optimizers": (None, "optimizers"),
    "function": ("paths", "function"),
    "start": ("paths", "start"),
    "steps": ("paths", "steps"),
    "iterations": ("mnist", "iterations"),
    "batch_size": ("mnist", "batch_size"),
    "hidden": ("mnist", "hidden_sizes"),
    "activation": ("mnist", "activation"),
    "weight_init": ("mnist", "weight_init"),
    "weight_decay": ("mnist", "weight_decay"),
    "seed": ("mnist", "seed"),
    "eval_interval": ("mnist", "eval_interval"),
    "same_init": ("mnist", "same_initial_weights"),
    "data_dir": ("mnist", "data_dir"),
}
# Flag destination -> hyperparameter table of Settings.to_dict() it edits.
_HYPERPARAMETER_FLAGS = {
    "path_lr": "path_hyperparameters",
    "lr": "mnist_hyperparameters",
    "path_hp": "path_hyperparameters",
    "hp": "mnist_hyperparameters",
}

_FLAGS_TAKING_NEGATIVE_PAIRS = ("--start",)


class _Parser(argparse.ArgumentParser):
    """argparse that raises UsageError instead of printing the usage and exiting."""

    def error(self, message: str) -> None:  # type: ignore[override]
        raise UsageError(message)


# ---- value parsers (argparse ``type=`` functions) -------------------------------------------

def _optimizer_name(text: str) -> str:
    """The registered optimizer called ``text`` (any letter case)."""
    by_lower = {name.lower(): name for name in OPTIMIZERS}
    try:
        return by_lower[text.strip().lower()]
    except KeyError:
        raise argparse.ArgumentTypeError(
            f"unknown optimizer {text.strip()!r}; choose from {', '.join(OPTIMIZERS)}") from None


def _number(text: str, context: str) -> float:
    try:
        return float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text.strip()!r} is not a number (in {context!r})") from None


def _optimizer_list(text: str) -> tuple[str, ...]:
    """``SGD,Adam`` (any case) or ``all``."""
    if text.strip().lower() == "all":
        return tuple(OPTIMIZERS)
    names = [part for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one optimizer, e.g. SGD,Adam")
    return tuple(dict.fromkeys(_optimizer_name(part) for part in names))


def _start(text: str) -> tuple[float, float]:
    """``X,Y`` -> (x, y)."""
    parts = text.split(",")
    if len(parts) != 2:
        raise argparse.ArgumentTypeError(f"expected two numbers X,Y such as -7,2; got {text!r}")
    return (_number(parts[0], text), _number(parts[1], text))


def _hidden_sizes(text: str) -> tuple[int, ...]:
    """``100,100,100`` -> (100, 100, 100)."""
    try:
        return tuple(int(part) for part in text.split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"expected whole numbers separated by commas such as 100,100; got {text!r}") from None


def _learning_rates(text: str) -> list[tuple[str | None, float]]:
    """``SGD=0.1,Adam=0.002`` -> [("SGD", 0.1), ("Adam", 0.002)]; a bare ``0.1`` -> [(None, 0.1)]
    (None: every selected optimizer)."""
    rates: list[tuple[str | None, float]] = []
    for item in text.split(","):
        if "=" in item:
            name, value = item.split("=", 1)
            rates.append((_optimizer_name(name), _number(value, item)))
        else:
            rates.append((None, _number(item, item)))
    return rates


def _assignments(text: str) -> list[tuple[str, str, float]]:
    """``Adam.beta1=0.8,Momentum.momentum=0.5`` -> [("Adam", "beta1", 0.8), ...]."""
    result = []
    for item in text.split(","):
        target, equals, value = item.partition("=")
        name, dot, key = target.partition(".")
        if not (equals and dot):
            raise argparse.ArgumentTypeError(
                f"expected OPTIMIZER.NAME=VALUE such as Adam.beta1=0.8; got {item!r}")
        name, key = _optimizer_name(name), key.strip()
        declared = [hp.name for hp in OPTIMIZERS[name].hyperparameters]
        if key not in declared:
            raise argparse.ArgumentTypeError(
                f"{name} has no hyperparameter {key!r}; it has {', '.join(declared)}")
        result.append((name, key, _number(value, item)))
    return result


# ---- the parser ------------------------------------------------------------------------------

def _hyperparameter_table() -> str:
    """One line per optimizer: its hyperparameters with the 2D and MNIST defaults."""
    width = max(len(name) for name in OPTIMIZERS)
    lines = []
    for name, cls in OPTIMIZERS.items():
        paths, mnist = path_defaults(name), cls.defaults()
        values = ", ".join(
            f"{key}={paths[key]:g}" if paths[key] == mnist[key] else f"{key}={paths[key]:g} (2D) / {mnist[key]:g} (MNIST)"
            for key in mnist)
        lines.append(f"  {name:<{width}}  {values}")
    return "\n".join(lines)


def _epilog() -> str:
    return f"""\
optimizers and their hyperparameters (defaults; the book uses other learning rates in 2D):
{_hyperparameter_table()}

Values are resolved as: defaults < --config FILE < flags. --config also accepts a run.json
written by a headless run or by "Export data...", so `--config DIR/run.json` repeats that run.

examples:
  {PROG}                                     # the window, book settings
  {PROG} --autorun --screenshot window.png   # run in the window, save a PNG, exit
  {PROG} --headless --out run1               # both book experiments, no window
  {PROG} --headless --out run2 --task mnist --optimizers SGD,Adam \\
      --iterations 500 --lr SGD=0.1 --hp Adam.beta1=0.8 --hidden 50,50 --seed 3
  {PROG} --headless --out run3 --task paths --function rosenbrock \\
      --start -1.5,2.5 --steps 200 --path-lr 0.002

Bad arguments end with exit status 2 and one line on stderr naming the problem."""


def build_parser() -> argparse.ArgumentParser:
    """The argument parser (its ``--help`` documents every flag)."""
    parser = _Parser(
        prog=PROG, allow_abbrev=False, formatter_class=argparse.RawDescriptionHelpFormatter,
        description="Watch neural-network optimizers walk 2D test functions and train an MLP\n"
                    "on MNIST (Deep Learning from Scratch, ch. 6.1). Without --headless the\n"
                    "window opens and the flags set the starting values of its controls.",
        epilog=_epilog())

    mode = parser.add_argument_group("what to run")
    mode.add_argument("--headless", action="store_true",
                      help="run without a window and write run.json, losses.csv, accuracy.csv, "
                           "paths.csv, losses.png and paths.png into --out DIR; progress on stderr")
    mode.add_argument("--out", metavar="DIR", type=Path,
                      help="output folder of --headless (created if missing)")
    mode.add_argument("--autorun", action="store_true",
                      help="open the window and press Start once it is shown")
    mode.add_argument("--screenshot", metavar="FILE.png", type=Path,
                      help="with --autorun: when the run ends, save a PNG of the window and exit")
    mode.add_argument("--config", metavar="FILE.json", type=Path,
                      help="read settings from a JSON file (as written by --save-config, the "
                           "window's 'Save settings...', or a run.json); flags override it")
    mode.add_argument("--save-config", metavar="FILE.json", type=Path,
                      help="write the resulting settings to FILE.json and exit without running")

    run = parser.add_argument_group("both tasks")
    run.add_argument("--task", choices=TASKS, help="which experiment to run (default: both)")
    run.add_argument("--optimizers", metavar="A,B,...", type=_optimizer_list,
                     help=f"optimizers to compare, or 'all' (default: {','.join(BOOK_OPTIMIZERS)}; "
                          f"known: {', '.join(OPTIMIZERS)})")

    paths = parser.add_argument_group("2D paths task")
    paths.add_argument("--function", type=str.lower, metavar="NAME",
                       help=f"test function: {', '.join(FUNCTIONS)} (default: book, x^2/20 + y^2)")
    paths.add_argument("--start", metavar="X,Y", type=_start,
                       help="start point (default: the function's recommended start, -7,2 for "
                            "the book's); a negative X is fine: --start -7,2")
    paths.add_argument("--steps", metavar="N", type=int,
                       help="number of updates after the start (default: 29, as in the book)")
    paths.add_argument("--path-lr", metavar="NAME=LR,...", type=_learning_rates, action="append",
                       help="2D learning rates, e.g. SGD=0.95,Adam=0.3; a bare value sets every "
                            "selected optimizer (repeatable)")
    paths.add_argument("--path-hp", metavar="NAME.KEY=V,...", type=_assignments, action="append",
                       help="any 2D hyperparameter, e.g. Momentum.momentum=0.8 (repeatable)")

    mnist = parser.add_argument_group("MNIST task")
    mnist.add_argument("--iterations", metavar="N", type=int,
                       help="training iterations (minibatches) per optimizer (default: 2000)")
    mnist.add_argument("--batch-size", metavar="B", type=int, help="minibatch size (default: 128)")
    mnist.add_argument("--hidden", metavar="N,N,...", type=_hidden_sizes,
                       help="hidden layer sizes (default: 100,100,100,100)")
    mnist.add_argument("--activation", choices=tuple(ACTIVATIONS),
                       help="hidden activation (default: relu)")
    mnist.add_argument("--weight-init", metavar="INIT",
                       help=f"initial weight scale: {', '.join(WEIGHT_INITS)} or a positive "
                            f"standard deviation (default: he)")
    mnist.add_argument("--weight-decay", metavar="LAMBDA", type=float,
                       help="L2 weight decay lambda of the loss (default: 0)")
    mnist.add_argument("--seed", metavar="S", type=int,
                       help="seed of the initial weights and the minibatch order (default: 0)")
    mnist.add_argument("--eval-interval", metavar="N", type=int,
                       help="test accuracy every N iterations; 0 = only at the end (default: 100)")
    mnist.add_argument("--same-init", action=argparse.BooleanOptionalAction,
                       help="every optimizer starts from the same initial weights (default: yes)")
    mnist.add_argument("--data-dir", metavar="DIR",
                       help="folder with the four MNIST IDX files, .gz or not (default: bundled)")
    mnist.add_argument("--lr", metavar="NAME=LR,...", type=_learning_rates, action="append",
                       help="MNIST learning rates, e.g. SGD=0.1,Adam=0.002; a bare value sets "
                            "every selected optimizer (repeatable)")
    mnist.add_argument("--hp", metavar="NAME.KEY=V,...", type=_assignments, action="append",
                       help="any MNIST hyperparameter, e.g. Adam.beta1=0.8 (repeatable)")
    return parser


# ---- resolving settings -------------------------------------------------------------------------

def load_config(path: Path) -> Settings:
    """Settings from a JSON file: a settings object or a ``run.json`` (its ``"settings"``)."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as error:
        raise UsageError(f"--config {path}: {error.strerror or error}") from None
    except UnicodeDecodeError:
        raise UsageError(f"--config {path}: not a text file") from None
    except json.JSONDecodeError as error:
        raise UsageError(f"--config {path}: not valid JSON ({error.msg} at line {error.lineno}, "
                         f"column {error.colno})") from None
    if isinstance(data, dict) and isinstance(data.get("settings"), dict):
        data = data["settings"]
    try:
        return Settings.from_dict(data)
    except (ValueError, TypeError) as error:
        raise UsageError(f"--config {path}: {error}") from None


def _apply_hyperparameters(tables: dict[str, Any], args: argparse.Namespace,
                           selected: Sequence[str]) -> None:
    """Write the --lr/--path-lr/--hp/--path-hp values into the to_dict() hyperparameter tables."""
    for dest, table_key in _HYPERPARAMETER_FLAGS.items():
        table = tables[table_key]
        for group in getattr(args, dest) or ():
            for entry in group:
                if dest.endswith("lr"):
                    name, value = entry
                    for target in ([name] if name else selected):
                        table[target]["lr"] = value
                else:
                    name, key, value = entry
                    table[name][key] = value


def resolve_settings(args: argparse.Namespace) -> tuple[Settings, bool]:
    """(settings, given): defaults < --config < flags, validated; ``given`` is True when
    --config or any settings flag was used."""
    base = load_config(args.config) if args.config else Settings()
    data = base.to_dict()
    given = args.config is not None
    for dest, (section, key) in _FIELD_FLAGS.items():
        value = getattr(args, dest)
        if value is not None:
            (data if section is None else data[section])[key] = value
            given = True
    if args.function is not None and args.start is None and args.function in FUNCTIONS:
        # A start chosen for the book's function is usually outside another function's view.
        data["paths"]["start"] = list(FUNCTIONS[args.function].start)
    if args.function is not None and args.function in FUNCTIONS:
        # As choosing it in the window: its steps and 2D hyperparameters, unless flags say else.
        if args.steps is None:
            data["paths"]["steps"] = FUNCTIONS[args.function].steps
        for name in OPTIMIZERS:
            data["path_hyperparameters"][name] = function_path_defaults(args.function, name)
    if any(getattr(args, dest) for dest in _HYPERPARAMETER_FLAGS):
        _apply_hyperparameters(data, args, data["optimizers"])
        given = True
    try:
        return Settings.from_dict(data), given
    except (ValueError, TypeError) as error:
        raise UsageError(str(error)) from None


def _join_negative_pairs(argv: Sequence[str]) -> list[str]:
    """``--start -7,2`` -> ``--start=-7,2``: argparse would take ``-7,2`` for an option."""
    joined: list[str] = []
    tokens = iter(argv)
    for token in tokens:
        if token in _FLAGS_TAKING_NEGATIVE_PAIRS:
            value = next(tokens, None)
            joined.append(token if value is None else f"{token}={value}")
        else:
            joined.append(token)
    return joined


def _check_modes(args: argparse.Namespace) -> None:
    """Reject combinations of the mode flags that cannot work together."""
    if args.headless and args.out is None:
        raise UsageError("--headless needs --out DIR, the folder for the result files")
    if args.out is not None and not args.headless:
        raise UsageError("--out is only used with --headless")
    if args.headless and (args.autorun or args.screenshot):
        raise UsageError("--autorun and --screenshot need the window; leave out --headless")
    if args.screenshot is not None and not args.autorun:
        raise UsageError("--screenshot needs --autorun (the screenshot is taken when the run ends)")
    if args.save_config is not None and (args.headless or args.autorun):
        raise UsageError("--save-config only writes the settings and exits; run again with "
                         "--config FILE to use them")


def parse_command_line(argv: Sequence[str]) -> Invocation:
    """The :class:`Invocation` for ``argv`` (without the program name).

    Raises UsageError (one-line message) for any bad flag, value, combination or --config file;
    ``--help`` prints the help and raises SystemExit(0) as argparse does.
    """
    args = build_parser().parse_args(_join_negative_pairs(argv))
    _check_modes(args)
    settings, given = resolve_settings(args)
    return Invocation(settings=settings, settings_given=given, headless=args.headless,
                      out=args.out, autorun=args.autorun, screenshot=args.screenshot,
                      save_config=args.save_config)


def settings_json(settings: Settings) -> str:
    """The JSON text of a settings file (read back by --config and ``Settings.from_dict``)."""
    return json.dumps(settings.to_dict(), indent=2) + "\n"
