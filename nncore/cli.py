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
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

from . import ranges
from .entries import parse_run
from .functions import FUNCTIONS, QUADRATIC, quadratic
from .maps import DEFAULT_BASIN_SIZE, DEFAULT_MAP_SIZE, default_y
from .mlp import ACTIVATIONS, WEIGHT_INITS
from .optimizers import BOOK_OPTIMIZERS, OPTIMIZERS, path_defaults
from .schedules import SCHEDULES
from .path_defaults import function_path_defaults
from .settings import TASKS, Settings
from .settings_file import read_settings_file

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
    instrument: "InstrumentRequest | None" = None
    """For ``--task map`` / ``--task basins``: which map to compute (settings.task is then 'paths')."""
    animation: Path | None = None
    animation_width: int = 800
    animation_fps: int = 10


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
    "repeats": ("mnist", "repeats"),
}
# Flag destination -> hyperparameter table of Settings.to_dict() it edits.
_HYPERPARAMETER_FLAGS = {
    "path_lr": "path_hyperparameters",
    "lr": "mnist_hyperparameters",
    "path_hp": "path_hyperparameters",
    "hp": "mnist_hyperparameters",
}

_FLAGS_TAKING_NEGATIVE_PAIRS = ("--start", "--quadratic")


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


def _whole_number(valid: ranges.Range):
    """An argparse type: ``text`` as an int, or an error naming ``valid``'s range. The range
    itself is checked once, by ``Settings.validate``."""
    def parse(text: str) -> int:
        try:
            return int(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{valid.label} must be a whole number in {valid.text()}, got {text!r}") from None
    return parse


def _real_number(valid: ranges.Range):
    """An argparse type: ``text`` as a float (``1e-4`` style included), or an error naming
    ``valid``'s range."""
    def parse(text: str) -> float:
        try:
            return float(text.strip())
        except ValueError:
            raise argparse.ArgumentTypeError(
                f"{valid.label} must be a number in {valid.text()}, got {text!r}") from None
    return parse


def _path(text: str) -> Path:
    """A non-empty path (an empty ``--out ""`` would silently mean the current folder)."""
    if not text.strip():
        raise argparse.ArgumentTypeError("the path is empty")
    return Path(text)


def _file_path(text: str) -> Path:
    """A path naming a file to be written: not empty, not a folder, in a folder that exists."""
    path = _path(text)
    if text.endswith(("/", os.sep)) or path.name in ("", ".", "..") or path.is_dir():
        raise argparse.ArgumentTypeError(f"{text!r} is a folder, not a file name")
    if not path.parent.is_dir():
        raise argparse.ArgumentTypeError(f"the folder {path.parent} does not exist")
    return path


def _optimizer_list(text: str) -> tuple[str, ...]:
    """``SGD,Adam`` (any case) or ``all``."""
    if text.strip().lower() == "all":
        return tuple(OPTIMIZERS)
    names = [_optimizer_name(part) for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError("give at least one optimizer, e.g. SGD,Adam")
    twice = next((name for index, name in enumerate(names) if name in names[:index]), None)
    if twice is not None:
        raise argparse.ArgumentTypeError(f"{twice} is listed twice: name each optimizer once")
    return tuple(names)


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
            f"expected whole numbers in {ranges.HIDDEN_SIZE.text()} separated by commas such as "
            f"100,100; got {text!r}") from None


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
  {PROG} --headless --out run4 --task mnist --repeats 3 --run "Adam lr=0.001" \\
      --run "Adam lr=0.01" --run "SGD lr=0.1 schedule=cosine:min=1e-4 warmup=100"

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
    mode.add_argument("--out", metavar="DIR", type=_path,
                      help="output folder of --headless (created if missing)")
    mode.add_argument("--autorun", action="store_true",
                      help="open the window and press Start once it is shown")
    mode.add_argument("--screenshot", metavar="FILE.png", type=_file_path,
                      help="with --autorun: when the run ends, save a PNG of the window and exit")
    mode.add_argument("--animation", metavar="FILE.gif", type=_path,
                      help="write the 2D paths growing step by step as an animated GIF (.mp4: a "
                           "video) and exit; with --headless, after the run's files")
    mode.add_argument("--animation-width", metavar="PX", type=int, default=800,
                      help="width of the animation in pixels (default: 800)")
    mode.add_argument("--animation-fps", metavar="N", type=int, default=10,
                      help="frames (path steps) per second of the animation (default: 10)")
    mode.add_argument("--config", metavar="FILE.json", type=_path,
                      help="read settings from a JSON file (as written by --save-config, the "
                           "window's 'Save settings...', or a run.json); flags override it")
    mode.add_argument("--save-config", metavar="FILE.json", type=_file_path,
                      help="write the resulting settings to FILE.json and exit without running")

    run = parser.add_argument_group("both tasks")
    run.add_argument("--task", choices=TASKS + INSTRUMENT_TASKS,
                     help="which experiment to run (default: both); map and basins are "
                          "headless instruments (see below)")
    run.add_argument("--optimizers", metavar="A,B,...", type=_optimizer_list,
                     help=f"optimizers to compare, or 'all' (default: {','.join(BOOK_OPTIMIZERS)}; "
                          f"known: {', '.join(OPTIMIZERS)})")
    run.add_argument("--run", metavar='"NAME k=v ..."', action="append",
                     help="one entry of the comparison (repeatable; replaces the --optimizers "
                          "selection): an optimizer, then key=value pairs, shell-quoted: a "
                          "hyperparameter sets its MNIST value, path.NAME the 2D value; "
                          "schedule=NAME or NAME:key=value,... (" + ", ".join(SCHEDULES) + "); "
                          "warmup=N; label=TEXT; color=#rrggbb. E.g. --run \"Adam lr=0.01 "
                          "path.lr=0.3 schedule=cosine label=fast\"")

    paths = parser.add_argument_group("2D paths task")
    paths.add_argument("--function", type=str.lower, metavar="NAME",
                       help=f"test function: {', '.join(FUNCTIONS)} (default: book, x^2/20 + y^2)")
    paths.add_argument("--start", metavar="X,Y", type=_start,
                       help="start point (default: the function's recommended start, -7,2 for "
                            "the book's); a negative X is fine: --start -7,2")
    paths.add_argument("--steps", metavar="N", type=_whole_number(ranges.STEPS),
                       help="number of updates after the start (default: 29, as in the book)")
    paths.add_argument("--path-lr", metavar="NAME=LR,...", type=_learning_rates, action="append",
                       help="2D learning rates, e.g. SGD=0.95,Adam=0.3; a bare value sets every "
                            "selected optimizer (repeatable)")
    paths.add_argument("--path-hp", metavar="NAME.KEY=V,...", type=_assignments, action="append",
                       help="any 2D hyperparameter, e.g. Momentum.momentum=0.8 (repeatable)")

    mnist = parser.add_argument_group("MNIST task")
    mnist.add_argument("--iterations", metavar="N", type=_whole_number(ranges.ITERATIONS),
                       help="training iterations (minibatches) per optimizer (default: 2000)")
    mnist.add_argument("--batch-size", metavar="B", type=_whole_number(ranges.BATCH_SIZE), help="minibatch size (default: 128)")
    mnist.add_argument("--hidden", metavar="N,N,...", type=_hidden_sizes,
                       help="hidden layer sizes (default: 100,100,100,100)")
    mnist.add_argument("--activation", choices=tuple(ACTIVATIONS),
                       help="hidden activation (default: relu)")
    mnist.add_argument("--weight-init", metavar="INIT",
                       help=f"initial weight scale: {', '.join(WEIGHT_INITS)} or a positive "
                            f"standard deviation (default: he)")
    mnist.add_argument("--weight-decay", metavar="LAMBDA", type=_real_number(ranges.WEIGHT_DECAY),
                       help="L2 weight decay lambda of the loss (default: 0)")
    mnist.add_argument("--seed", metavar="S", type=_whole_number(ranges.SEED),
                       help="seed of the initial weights and the minibatch order (default: 0)")
    mnist.add_argument("--eval-interval", metavar="N", type=_whole_number(ranges.EVAL_INTERVAL),
                       help="test accuracy every N iterations; 0 = only at the end (default: 100)")
    mnist.add_argument("--same-init", action=argparse.BooleanOptionalAction,
                       help="every optimizer starts from the same initial weights (default: yes)")
    mnist.add_argument("--data-dir", metavar="DIR", type=_path,
                       help="folder with the four MNIST IDX files, .gz or not (default: bundled)")
    mnist.add_argument("--repeats", metavar="K", type=_whole_number(ranges.REPEATS),
                       help="train every entry K times, from seeds S, S+1, ... (initial weights "
                            "and batch order); curves and summary show the mean (default: 1)")
    mnist.add_argument("--lr", metavar="NAME=LR,...", type=_learning_rates, action="append",
                       help="MNIST learning rates, e.g. SGD=0.1,Adam=0.002; a bare value sets "
                            "every selected optimizer (repeatable)")
    mnist.add_argument("--hp", metavar="NAME.KEY=V,...", type=_assignments, action="append",
                       help="any MNIST hyperparameter, e.g. Adam.beta1=0.8 (repeatable)")
    _add_instrument_flags(parser)
    return parser


# ---- resolving settings -------------------------------------------------------------------------

def load_config(path: Path) -> Settings:
    """Settings from a JSON file: a settings object or a ``run.json`` (its ``"settings"``);
    see :func:`nncore.settings_file.read_settings_file` for what is refused."""
    try:
        return read_settings_file(path)
    except ValueError as error:
        raise UsageError(f"--config {error}") from None


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


def _apply_hyperparameters_to_entries(entries: list[dict[str, Any]], args: argparse.Namespace) -> None:
    """Apply --lr/--path-lr/--hp/--path-hp to the entries of a --config file (to_dict form):
    a named optimizer's values change in each of its entries, a bare --lr in all of them."""
    for dest, table_key in _HYPERPARAMETER_FLAGS.items():
        for group in getattr(args, dest) or ():
            for item in group:
                if dest.endswith("lr"):
                    (name, value), key = item, "lr"
                else:
                    name, key, value = item
                for entry in entries:
                    if name is None or entry["optimizer"] == name:
                        entry[table_key][key] = value


def _run_entry(text: str, data: dict[str, Any]) -> dict[str, Any]:
    """The to_dict form of the entry a --run text describes; values it does not set come from
    the per-optimizer tables (defaults, --config, --lr/--hp)."""
    try:
        return parse_run(text, None, data["path_hyperparameters"], data["mnist_hyperparameters"]).to_dict()
    except ValueError as error:
        raise UsageError(str(error)) from None


def resolve_settings(args: argparse.Namespace) -> tuple[Settings, bool]:
    """(settings, given): defaults < --config < flags, validated; ``given`` is True when
    --config or any settings flag was used."""
    base = load_config(args.config) if args.config else Settings()
    data = base.to_dict()
    if not base.entries or args.optimizers is not None:
        data["entries"] = []  # the entries follow the optimizer selection and the tables
    given = args.config is not None
    for dest, (section, key) in _FIELD_FLAGS.items():
        value = getattr(args, dest)
        if value is not None:
            (data if section is None else data[section])[key] = value
            given = True
    data_dir = data["mnist"].get("data_dir")
    if isinstance(data_dir, (str, Path)) and str(data_dir).strip():
        # Absolute, so the run.json of this run repeats it from any folder.
        data["mnist"]["data_dir"] = os.path.abspath(data_dir)
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
        _apply_hyperparameters_to_entries(data["entries"], args)
        given = True
    if args.run:
        data["entries"] = [_run_entry(text, data) for text in args.run]
        data["optimizers"] = list(dict.fromkeys(entry["optimizer"] for entry in data["entries"]))
        given = True
    given = _apply_instrument_flags(args, data) or given
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
    if args.animation is not None:
        _check_animation(args)
    if args.save_config is not None and (args.headless or args.autorun):
        raise UsageError("--save-config only writes the settings and exits; run again with "
                         "--config FILE to use them")


def _check_animation(args: argparse.Namespace) -> None:
    """--animation needs a .gif or .mp4 name, sizes in their ranges, and no window."""
    if args.autorun or args.save_config is not None:
        raise UsageError("--animation is written without a window; leave out --autorun and --save-config")
    if args.animation.suffix.lower() not in (".gif", ".mp4") or not args.animation.stem:
        raise UsageError(f"--animation needs a file name ending in .gif or .mp4, got '{args.animation}'")
    try:
        ranges.ANIMATION_WIDTH.check(args.animation_width)
        ranges.ANIMATION_FPS.check(args.animation_fps)
    except ValueError as error:
        raise UsageError(str(error)) from None


def parse_command_line(argv: Sequence[str]) -> Invocation:
    """The :class:`Invocation` for ``argv`` (without the program name).

    Raises UsageError (one-line message) for any bad flag, value, combination or --config file;
    ``--help`` prints the help and raises SystemExit(0) as argparse does.
    """
    args = build_parser().parse_args(_join_negative_pairs(argv))
    _check_modes(args)
    _check_instrument_flags(args)
    settings, given = resolve_settings(args)
    if args.animation is not None and settings.task == "mnist":
        raise UsageError("--animation draws the 2D paths: use --task paths or both")
    return Invocation(settings=settings, settings_given=given, headless=args.headless,
                      out=args.out, autorun=args.autorun, screenshot=args.screenshot,
                      save_config=args.save_config, instrument=instrument_request(args, settings),
                      animation=args.animation, animation_width=args.animation_width,
                      animation_fps=args.animation_fps)


def settings_json(settings: Settings) -> str:
    """The JSON text of a settings file (read back by --config and ``Settings.from_dict``)."""
    return json.dumps(settings.to_dict(), indent=2) + "\n"


# ---- instruments (issue 9): the quadratic, gradient noise, hyperparameter and basin maps ------

INSTRUMENT_TASKS = ("map", "basins")
"""Headless-only tasks: a hyperparameter map (map.csv, map.png) or a basin map (basins.csv,
basins.png) of one optimizer on the 2D settings."""
_MAP_FLAGS = ("map_optimizer", "map_x", "map_y", "map_size")


@dataclass(frozen=True)
class InstrumentRequest:
    """``--task map`` or ``--task basins``: the map's optimizer, axes (hyperparameter names; ``y``
    None for a learning-rate curve; unused by basins) and cells per side."""

    task: str
    optimizer: str
    x: str
    y: str | None
    size: int


def _quadratic(text: str) -> tuple[float, float, float]:
    """``L1,L2,THETA`` -> (lambda1, lambda2, theta in degrees)."""
    parts = text.split(",")
    if len(parts) != 3:
        raise argparse.ArgumentTypeError(
            f"expected three numbers L1,L2,THETA such as 0.1,2,45; got {text!r}")
    return tuple(_number(part, text) for part in parts)  # type: ignore[return-value]


def _add_instrument_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "theory and maps", "the rotatable quadratic, noisy gradients (2D paths), and the headless "
                           "--task map (map.csv, map.png) and --task basins (basins.csv, basins.png)")
    group.add_argument("--quadratic", metavar="L1,L2,THETA", type=_quadratic,
                       help="curvatures and angle (degrees) of f = 1/2 (L1 u^2 + L2 v^2), (u, v) "
                            "rotated by THETA; selects --function quadratic unless another is "
                            "given (default 0.1,2,0: the book's x^2/20 + y^2)")
    group.add_argument("--noise", metavar="SIGMA", type=float,
                       help="Gaussian noise of this standard deviation on each gradient "
                            "component of the 2D paths (default: 0)")
    group.add_argument("--noise-seed", metavar="N", type=int,
                       help="seed of the gradient noise (default: 0)")
    group.add_argument("--cloud", metavar="K", type=int,
                       help="with --noise: also run K paths with seeds N, N+1, ... and write "
                            "their mean path and covariance per step to run.json (default: 50)")
    group.add_argument("--map-optimizer", metavar="NAME", type=_optimizer_name,
                       help="optimizer of --task map/basins (default: the first of --optimizers)")
    group.add_argument("--map-x", metavar="HP", help="--task map: hyperparameter along x (default: lr)")
    group.add_argument("--map-y", metavar="HP",
                       help="--task map: hyperparameter along y, or 'none' for a learning-rate "
                            "curve (default: momentum, beta1 or decay_rate; none for SGD, AdaGrad)")
    group.add_argument("--map-size", metavar="N", type=int,
                       help="cells per side (default: 100 for map, 128 for basins)")


def _check_instrument_flags(args: argparse.Namespace) -> None:
    """The map flags need --task map/basins, and those tasks need --headless."""
    if args.task in INSTRUMENT_TASKS and not args.headless and args.save_config is None:
        raise UsageError(f"--task {args.task} writes files: add --headless --out DIR (in the "
                         f"window, the map is the '{'Map' if args.task == 'map' else 'Basins'}' tab)")
    for dest in _MAP_FLAGS:
        if getattr(args, dest) is not None and args.task not in INSTRUMENT_TASKS:
            raise UsageError(f"--{dest.replace('_', '-')} needs --task map or --task basins")
    if args.task == "basins" and (args.map_x is not None or args.map_y is not None):
        raise UsageError("--map-x and --map-y are for --task map; a basin map's axes are x and y")


def _apply_instrument_flags(args: argparse.Namespace, data: dict[str, Any]) -> bool:
    """Write --quadratic, --noise, --noise-seed and --cloud into the to_dict() settings, turn the
    map tasks into the 2D task they run on; True if any of these flags was used."""
    paths = data["paths"]
    if args.quadratic is not None:
        paths["quadratic_lambda1"], paths["quadratic_lambda2"], paths["quadratic_angle"] = args.quadratic
        if args.function is None:
            paths["function"] = QUADRATIC
    if paths["function"] == QUADRATIC and args.start is None and (args.quadratic or args.function):
        try:  # the rotated book start; bad curvatures are reported by the validation after this
            paths["start"] = list(quadratic(paths["quadratic_lambda1"], paths["quadratic_lambda2"],
                                            paths["quadratic_angle"]).start)
        except (TypeError, ValueError):
            pass
    for dest, key in (("noise", "noise"), ("noise_seed", "noise_seed"), ("cloud", "cloud")):
        if getattr(args, dest) is not None:
            paths[key] = getattr(args, dest)
    if data["task"] in INSTRUMENT_TASKS:
        data["task"] = "paths"
    return any(getattr(args, dest) is not None for dest in ("quadratic", "noise", "noise_seed", "cloud"))


def instrument_request(args: argparse.Namespace, settings: Settings) -> InstrumentRequest | None:
    """The map that --task map/basins asks for, checked against the optimizer's hyperparameters."""
    if args.task not in INSTRUMENT_TASKS:
        return None
    optimizer = args.map_optimizer or next(iter(settings.run_entries().values())).optimizer
    names = [hp.name for hp in OPTIMIZERS[optimizer].hyperparameters]
    x = args.map_x if args.map_x is not None else "lr"
    y = default_y(optimizer) if args.map_y is None else None if args.map_y.lower() == "none" else args.map_y
    for flag, name in (("--map-x", x), ("--map-y", y)):
        if name is not None and name not in names:
            raise UsageError(f"{flag}: {optimizer} has no hyperparameter {name!r}; it has "
                             f"{', '.join(names)}{' or none' if flag == '--map-y' else ''}")
    if x == y:
        raise UsageError(f"--map-x and --map-y are both {x!r}: choose two different hyperparameters")
    size = args.map_size if args.map_size is not None else (
        DEFAULT_MAP_SIZE if args.task == "map" else DEFAULT_BASIN_SIZE)
    try:
        size = ranges.MAP_SIZE.check(size)
    except ValueError as error:
        raise UsageError(f"--map-size: {error}") from None
    return InstrumentRequest(args.task, optimizer, x, y, size)
