"""Every setting of an Optimizer Lab run, with the book's defaults, and its JSON form.

One :class:`Settings` object describes a run completely: which optimizers, their hyperparameters
for each task (the book uses different learning rates for the 2D paths and for MNIST), the 2D
task and the MNIST task. The window's controls, the command-line flags, ``--config`` files and
``run.json`` all read and write this one structure.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields, replace
from typing import Any

from . import ranges
from .entries import RunEntry, check_entries, entries_from_tables, entry_labels
from .functions import DEFAULT_FUNCTION, DEFAULT_QUADRATIC, FUNCTIONS, QUADRATIC, quadratic_key
from .mlp import ACTIVATIONS, WEIGHT_INITS
from .optimizers import BOOK_OPTIMIZERS, OPTIMIZERS, path_defaults

TASKS = ("both", "paths", "mnist")
SETTINGS_VERSION = 2
"""Version of the settings' JSON form. 1: optimizers + per-optimizer hyperparameter tables;
2: adds run entries (see :func:`migrate`)."""
CLOUD_POINTS_LIMIT = 2_000_000
"""Most positions a noisy cloud may keep per optimizer (32 MB): 50 paths of 40,000 steps."""


def _default_path_hyperparameters() -> dict[str, dict[str, float]]:
    return {name: path_defaults(name) for name in OPTIMIZERS}


def _default_mnist_hyperparameters() -> dict[str, dict[str, float]]:
    return {name: cls.defaults() for name, cls in OPTIMIZERS.items()}


@dataclass
class PathSettings:
    """The 2D task. ``steps`` is the number of updates: the book plots start + 29 updates."""

    function: str = DEFAULT_FUNCTION
    start: tuple[float, float] = (-7.0, 2.0)
    steps: int = 29
    # The rotatable quadratic's parameters (used when function is "quadratic"): curvatures
    # lambda1 (long axis), lambda2 and the long axis' angle in degrees. Default: x^2/20 + y^2.
    quadratic_lambda1: float = DEFAULT_QUADRATIC[0]
    quadratic_lambda2: float = DEFAULT_QUADRATIC[1]
    quadratic_angle: float = DEFAULT_QUADRATIC[2]
    # Gradient noise: each gradient component gets Gaussian noise of standard deviation
    # ``noise`` (0: exact gradients), drawn from ``noise_seed``; ``cloud`` paths with seeds
    # noise_seed, noise_seed + 1, ... are drawn around the path (0: none).
    noise: float = 0.0
    noise_seed: int = 0
    cloud: int = 50

    def function_key(self) -> str:
        """The key of the function these settings describe, for ``get_function``: the registry
        key, or for the quadratic the key naming its curvatures and angle."""
        if self.function == QUADRATIC:
            return quadratic_key(self.quadratic_lambda1, self.quadratic_lambda2,
                                 self.quadratic_angle)
        return self.function


@dataclass
class MnistSettings:
    """The MNIST task (the book's figure 6-9 by default).

    ``eval_interval``: test accuracy every so many iterations (0 = only at the end).
    ``weight_init``: 'he', 'xavier' (or their book aliases 'relu', 'sigmoid') or a positive std.
    ``same_initial_weights``: every optimizer starts from the same weights (fair comparison);
    the minibatches are always the same for every optimizer.
    """

    iterations: int = 2000
    batch_size: int = 128
    hidden_sizes: tuple[int, ...] = (100, 100, 100, 100)
    activation: str = "relu"
    weight_init: str = "he"
    weight_decay: float = 0.0
    seed: int = 0
    eval_interval: int = 100
    same_initial_weights: bool = True
    data_dir: str | None = None
    # Repeat i of the run trains every entry again from seed + i (initial weights and batch order).
    repeats: int = 1


@dataclass
class Settings:
    """A whole run: task choice, optimizers, per-task hyperparameters and both task settings.

    ``path_hyperparameters`` and ``mnist_hyperparameters`` hold values for every registered
    optimizer (checked or not), so unchecking and re-checking one keeps its values.
    """

    task: str = "both"
    optimizers: tuple[str, ...] = BOOK_OPTIMIZERS
    path_hyperparameters: dict[str, dict[str, float]] = field(default_factory=_default_path_hyperparameters)
    mnist_hyperparameters: dict[str, dict[str, float]] = field(default_factory=_default_mnist_hyperparameters)
    paths: PathSettings = field(default_factory=PathSettings)
    mnist: MnistSettings = field(default_factory=MnistSettings)
    # The run's entries (nncore.entries). Empty: one entry per name in ``optimizers`` with the
    # values of the two tables, the form every settings object had before entries (version 1).
    entries: tuple[RunEntry, ...] = ()
    version: int = SETTINGS_VERSION

    def all_entries(self) -> tuple[RunEntry, ...]:
        """Every entry of the list, ticked or not: ``entries``, or the ones the optimizer
        selection and the tables describe when ``entries`` is empty."""
        if self.entries:
            return tuple(self.entries)
        return entries_from_tables(self.optimizers, self.path_hyperparameters,
                                   self.mnist_hyperparameters)

    def run_entries(self) -> dict[str, RunEntry]:
        """The entries of the next run by label, in list order (see :func:`entry_labels`)."""
        enabled = [entry for entry in self.all_entries() if entry.enabled]
        return dict(zip(entry_labels(enabled), enabled))

    def canonical(self) -> "Settings":
        """These settings with ``entries`` emptied when they are exactly the entries the
        optimizer selection and the tables describe (so equal settings compare equal)."""
        if self.entries and tuple(self.entries) == entries_from_tables(
                self.optimizers, self.path_hyperparameters, self.mnist_hyperparameters):
            return replace(self, entries=())
        return self

    def labels(self) -> tuple[str, ...]:
        """The labels of the next run's entries, in order."""
        return tuple(self.run_entries())

    def validate(self) -> "Settings":
        """Return self if every value is valid; otherwise raise ValueError naming the problem.

        Types are checked strictly (a flag must be a bool, a size a whole number, a name a
        string): nothing is converted. The hyperparameters of every optimizer in the tables are
        checked, selected or not, so no out-of-range value can be saved and selected later.
        """
        _check_choice("task", self.task, TASKS)
        if self.version != SETTINGS_VERSION:
            raise ValueError(f"settings version must be {SETTINGS_VERSION}, got {self.version!r}")
        if not isinstance(self.optimizers, (list, tuple)):
            raise ValueError(f"optimizers must be a list of names, got {self.optimizers!r}")
        if self.entries:
            check_entries(self.entries)
        elif not self.optimizers:
            raise ValueError("no optimizer selected: choose at least one")
        seen: set[str] = set()
        for name in self.optimizers:  # one pass: a list of a million names ends at once
            if not isinstance(name, str) or name not in OPTIMIZERS:
                raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}")
            if name in seen:
                raise ValueError(f"optimizer {name!r} is selected twice: each optimizer may "
                                 f"appear once")
            seen.add(name)
        for label, table in (("2D", self.path_hyperparameters), ("MNIST", self.mnist_hyperparameters)):
            _check_hyperparameter_table(label, table)
        p = self.paths
        if not isinstance(p.function, str) or p.function not in FUNCTIONS:
            raise ValueError(f"unknown function {p.function!r}; choose from {', '.join(FUNCTIONS)}")
        if not isinstance(p.start, (list, tuple)) or len(p.start) != 2:
            raise ValueError(f"start must be two numbers x,y, got {p.start!r}")
        for value in p.start:
            ranges.START_COORDINATE.check(value)
        ranges.STEPS.check(p.steps)
        for value in (p.quadratic_lambda1, p.quadratic_lambda2):
            ranges.QUADRATIC_CURVATURE.check(value)
        ranges.QUADRATIC_ANGLE.check(p.quadratic_angle)
        ranges.NOISE.check(p.noise)
        ranges.NOISE_SEED.check(p.noise_seed)
        ranges.CLOUD.check(p.cloud)
        if p.noise > 0 and p.cloud * (p.steps + 1) > CLOUD_POINTS_LIMIT:
            raise ValueError(f"a noisy cloud keeps every position: cloud size x (steps + 1) must "
                             f"be at most {CLOUD_POINTS_LIMIT:,}, got {p.cloud} x {p.steps + 1}; "
                             f"use fewer paths or steps")
        m = self.mnist
        ranges.ITERATIONS.check(m.iterations)
        ranges.BATCH_SIZE.check(m.batch_size)
        ranges.EVAL_INTERVAL.check(m.eval_interval)
        ranges.SEED.check(m.seed)
        ranges.REPEATS.check(m.repeats)
        if not isinstance(m.hidden_sizes, (list, tuple)):
            raise ValueError(f"hidden sizes must be a list of whole numbers, got {m.hidden_sizes!r}")
        ranges.HIDDEN_LAYERS.check(len(m.hidden_sizes))
        for size in m.hidden_sizes:
            ranges.HIDDEN_SIZE.check(size)
        _check_choice("activation", m.activation, ACTIVATIONS)
        if not isinstance(m.weight_init, str):
            raise ValueError(f"weight init must be a text: one of {', '.join(WEIGHT_INITS)} or a "
                             f"number in {ranges.WEIGHT_INIT_STD.text()}, got {m.weight_init!r}")
        if m.weight_init not in WEIGHT_INITS:
            try:
                std = float(m.weight_init)
            except ValueError:
                raise ValueError(f"weight init must be one of {', '.join(WEIGHT_INITS)} or a "
                                 f"number in {ranges.WEIGHT_INIT_STD.text()}, got {m.weight_init!r}") from None
            if not ranges.WEIGHT_INIT_STD.contains(std):
                raise ValueError(f"{ranges.WEIGHT_INIT_STD.label} must be a number in "
                                 f"{ranges.WEIGHT_INIT_STD.text()}, got {m.weight_init}")
        ranges.WEIGHT_DECAY.check(m.weight_decay)
        if not isinstance(m.same_initial_weights, bool):
            raise ValueError(f"same initial weights must be true or false, got {m.same_initial_weights!r}")
        if m.data_dir is not None and (not isinstance(m.data_dir, str) or not m.data_dir.strip()):
            raise ValueError(f"data folder must be a folder path or null (the bundled MNIST), "
                             f"got {m.data_dir!r}")
        return self

    def hyperparameters(self, task: str, name: str) -> dict[str, float]:
        """The hyperparameters for ``task`` ('paths' or 'mnist') of the run entry labelled
        ``name``, or else of optimizer ``name`` in the per-optimizer tables."""
        try:
            entry = self.run_entries().get(name) if self.entries else None
        except ValueError:  # two entries with one label (refused by validate): the tables
            entry = None
        if entry is not None:
            return entry.hyperparameters(task)
        table = self.path_hyperparameters if task == "paths" else self.mnist_hyperparameters
        defaults = path_defaults(name) if task == "paths" else OPTIMIZERS[name].defaults()
        return {**defaults, **table.get(name, {})}

    def to_dict(self) -> dict[str, Any]:
        """A JSON-ready dict (tuples become lists), its entries always written out."""
        data = asdict(self)
        data["entries"] = [entry.to_dict() for entry in self.all_entries()]
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> "Settings":
        """Settings from a dict as written by ``to_dict``; missing keys keep their defaults.

        Raises ValueError naming an unknown key or a value of the wrong type, then validates.
        """
        if not isinstance(data, dict):
            raise ValueError("settings must be a JSON object")
        data = migrate(data)
        base = cls()
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown setting {unknown[0]!r}")
        values: dict[str, Any] = {}
        if "task" in data:
            values["task"] = data["task"]
        if "optimizers" in data:
            values["optimizers"] = tuple(_as_list(data["optimizers"], "optimizers"))
        for key in ("path_hyperparameters", "mnist_hyperparameters"):
            if key in data:
                values[key] = _merge_hyperparameters(getattr(base, key), data[key], key)
        if "paths" in data:
            paths = _sub(PathSettings, data["paths"], "paths")
            paths.start = tuple(_as_list(paths.start, "paths.start"))
            values["paths"] = paths
        if "mnist" in data:
            mnist = _sub(MnistSettings, data["mnist"], "mnist")
            mnist.hidden_sizes = tuple(_as_list(mnist.hidden_sizes, "mnist.hidden_sizes"))
            values["mnist"] = mnist
        if "entries" in data:
            values["entries"] = tuple(_entry(item, index)
                                      for index, item in enumerate(_as_list(data["entries"], "entries")))
        return _normalised(replace(base, **values).validate()).canonical()


def migrate(data: dict[str, Any]) -> dict[str, Any]:
    """A settings dict of any earlier version in the current version's form.

    Version 1 (no ``"version"`` key) had no entries: its optimizers and hyperparameter tables
    become the entries (an empty ``entries`` says exactly that). A newer version is refused.
    """
    version = data.get("version", 1)
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise ValueError(f"settings version must be a whole number >= 1, got {version!r}")
    if version > SETTINGS_VERSION:
        raise ValueError(f"settings version {version} was written by a newer Optimizer Lab; "
                         f"this one reads versions 1 to {SETTINGS_VERSION}")
    if version == 1:
        data = {**data, "version": SETTINGS_VERSION}
        data.pop("entries", None)
    return data


def _entry(data: Any, index: int) -> RunEntry:
    """Entry ``index`` of a settings file, or ValueError naming it."""
    try:
        return RunEntry.from_dict(data)
    except ValueError as error:
        raise ValueError(f"entries[{index}]: {error}") from None


def _check_choice(label: str, value: Any, choices) -> None:
    """ValueError unless ``value`` is one of the string keys ``choices``."""
    if not isinstance(value, str) or value not in choices:
        raise ValueError(f"{label} must be one of {', '.join(choices)}, got {value!r}")


def _check_hyperparameter_table(label: str, table: Any) -> None:
    """ValueError unless ``table`` maps registered optimizers to their declared hyperparameters,
    each a number inside its declared range."""
    if not isinstance(table, dict):
        raise ValueError(f"{label} hyperparameters must be a JSON object")
    for name, values in table.items():
        if name not in OPTIMIZERS:
            raise ValueError(f"{label} hyperparameters: unknown optimizer {name!r}")
        if not isinstance(values, dict):
            raise ValueError(f"{name} ({label}): hyperparameters must be a JSON object")
        declared = {hp.name: hp for hp in OPTIMIZERS[name].hyperparameters}
        for key, value in values.items():
            if key not in declared:
                raise ValueError(f"{name} ({label}): unknown hyperparameter {key!r}")
            try:
                declared[key].validate(value)
            except ValueError as error:
                raise ValueError(f"{name} ({label}): {error}") from None


def _normalised(settings: "Settings") -> "Settings":
    """Valid settings with JSON's ints turned into the floats the fields hold (start, weight
    decay, hyperparameters), so a file with ``"lr": 1`` equals one with ``"lr": 1.0``."""
    settings.paths.start = tuple(float(v) for v in settings.paths.start)
    settings.mnist.weight_decay = float(settings.mnist.weight_decay)
    for table in (settings.path_hyperparameters, settings.mnist_hyperparameters):
        for values in table.values():
            values.update({key: float(value) for key, value in values.items()})
    return settings


def _as_list(value: Any, label: str) -> list:
    if not isinstance(value, (list, tuple)):
        raise ValueError(f"{label} must be a list, got {value!r}")
    return list(value)


def _sub(cls, data: Any, label: str):
    if not isinstance(data, dict):
        raise ValueError(f"{label} must be a JSON object")
    known = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - known)
    if unknown:
        raise ValueError(f"unknown setting '{label}.{unknown[0]}'")
    return replace(cls(), **data)


def _merge_hyperparameters(base: dict, data: Any, label: str) -> dict[str, dict[str, float]]:
    if not isinstance(data, dict):
        raise ValueError(f"{label} must be a JSON object")
    merged = {name: dict(values) for name, values in base.items()}
    for name, values in data.items():
        if name not in OPTIMIZERS:
            raise ValueError(f"{label}: unknown optimizer {name!r}")
        if not isinstance(values, dict):
            raise ValueError(f"{label}.{name} must be a JSON object")
        declared = {hp.name for hp in OPTIMIZERS[name].hyperparameters}
        for key, value in values.items():
            if key not in declared:
                raise ValueError(f"{label}.{name}: unknown hyperparameter {key!r}")
            merged[name][key] = value
    return merged


def book_paths_preset(settings: Settings) -> Settings:
    """The book's figure 6-8: its four optimizers and learning rates on x^2/20 + y^2 from (-7, 2),
    start + 29 updates, the 2D task only. MNIST settings are kept."""
    return replace(settings, task="paths", optimizers=BOOK_OPTIMIZERS, entries=(),
                   path_hyperparameters=_default_path_hyperparameters(), paths=PathSettings())


def book_mnist_preset(settings: Settings) -> Settings:
    """The book's figure 6-9: its four optimizers with their default hyperparameters, batch 128,
    2000 iterations, 4 x 100 ReLU hidden layers, He init, no weight decay, the MNIST task only.
    2D settings are kept."""
    return replace(settings, task="mnist", optimizers=BOOK_OPTIMIZERS, entries=(),
                   mnist_hyperparameters=_default_mnist_hyperparameters(),
                   mnist=replace(MnistSettings(), data_dir=settings.mnist.data_dir,
                                 seed=settings.mnist.seed))


def fair_comparison_preset(settings: Settings) -> Settings:
    """Same initial weights for every optimizer (the minibatches are always shared)."""
    return replace(settings, mnist=replace(settings.mnist, same_initial_weights=True))


PRESETS = {
    "Book figure 6-8 (2D paths)": book_paths_preset,
    "Book figure 6-9 (MNIST)": book_mnist_preset,
    "Fair comparison": fair_comparison_preset,
}
"""Menu label -> function returning new settings from the current ones."""
