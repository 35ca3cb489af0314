"""Run entries: the unit a comparison is built from.

A :class:`RunEntry` is an optimizer (its registry name) with its hyperparameters for each task
(the 2D paths and MNIST), an optional learning-rate schedule, a label and a colour. A run holds
any number of entries, several of the same optimizer included ("Adam at 1e-3 against Adam at
1e-2"). The label is the key of everything a run produces (run.json, CSV headers, legends):

- an entry's own ``label`` when it has one;
- else the bare optimizer name while that optimizer has one entry in the run;
- else the name followed by what differs between its entries, in the command line's words:
  ``Adam lr=0.001``, ``Adam lr=0.01``, ``SGD path.lr=0.3 schedule=cosine``.

Two entries with the same label are refused (give one a label, or change a value).
"""
from __future__ import annotations

import re
import shlex
from dataclasses import dataclass, field, replace
from typing import Any, Iterable, Mapping, Sequence

from .optimizers import OPTIMIZERS, path_defaults
from .schedules import ScheduleSpec, parse_schedule

TASK_KEYS = {"paths": "path_hyperparameters", "mnist": "mnist_hyperparameters"}
_COLOR = re.compile(r"#[0-9a-fA-F]{6}")


@dataclass(frozen=True)
class RunEntry:
    """One entry of a comparison. ``label`` "" means the automatic label (see the module);
    ``color`` None means the palette's colour for the entry's position; ``enabled`` False keeps
    the entry in the list but out of the next run. The hyperparameter mappings hold every
    declared hyperparameter of the optimizer (see :func:`make_entry`)."""

    optimizer: str
    path_hyperparameters: Mapping[str, float] = field(default_factory=dict)
    mnist_hyperparameters: Mapping[str, float] = field(default_factory=dict)
    schedule: ScheduleSpec | None = None
    label: str = ""
    color: str | None = None
    enabled: bool = True

    def hyperparameters(self, task: str) -> dict[str, float]:
        """The values for ``task`` ('paths' or 'mnist'): the defaults with the entry's values."""
        defaults = path_defaults(self.optimizer) if task == "paths" else OPTIMIZERS[self.optimizer].defaults()
        return {**defaults, **getattr(self, TASK_KEYS[task])}

    def validate(self) -> "RunEntry":
        """Self if every field is valid; ValueError naming the entry and the problem."""
        if not isinstance(self.optimizer, str) or self.optimizer not in OPTIMIZERS:
            raise ValueError(f"unknown optimizer {self.optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
        name = self.label or self.optimizer
        declared = {hp.name: hp for hp in OPTIMIZERS[self.optimizer].hyperparameters}
        for task, label in (("paths", "2D"), ("mnist", "MNIST")):
            values = getattr(self, TASK_KEYS[task])
            if not isinstance(values, Mapping):
                raise ValueError(f"entry {name} ({label}): hyperparameters must be a JSON object")
            for key, value in values.items():
                if key not in declared:
                    raise ValueError(f"entry {name} ({label}): {self.optimizer} has no "
                                     f"hyperparameter {key!r}; it has {', '.join(declared)}")
                try:
                    declared[key].validate(value)
                except ValueError as error:
                    raise ValueError(f"entry {name} ({label}): {error}") from None
        if self.schedule is not None:
            if not isinstance(self.schedule, ScheduleSpec):
                raise ValueError(f"entry {name}: a schedule must be a JSON object or null")
            try:
                self.schedule.validate()
            except ValueError as error:
                raise ValueError(f"entry {name}: {error}") from None
        if not isinstance(self.label, str) or self.label != self.label.strip():
            raise ValueError(f"entry {name}: a label must be a text without leading or trailing "
                             f"spaces, got {self.label!r}")
        if self.color is not None and (not isinstance(self.color, str) or not _COLOR.fullmatch(self.color)):
            raise ValueError(f"entry {name}: colour must be #rrggbb or null, got {self.color!r}")
        if not isinstance(self.enabled, bool):
            raise ValueError(f"entry {name}: enabled must be true or false, got {self.enabled!r}")
        return self

    def to_dict(self) -> dict[str, Any]:
        return {"optimizer": self.optimizer, "label": self.label, "color": self.color,
                "enabled": self.enabled,
                "path_hyperparameters": dict(self.path_hyperparameters),
                "mnist_hyperparameters": dict(self.mnist_hyperparameters),
                "schedule": None if self.schedule is None else self.schedule.to_dict()}

    @classmethod
    def from_dict(cls, data: Any) -> "RunEntry":
        """An entry from ``to_dict``'s form (missing hyperparameters take the defaults);
        ValueError naming an unknown key or a bad value."""
        if not isinstance(data, dict):
            raise ValueError("an entry must be a JSON object")
        known = {"optimizer", "label", "color", "enabled", "path_hyperparameters",
                 "mnist_hyperparameters", "schedule"}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown entry setting {unknown[0]!r}")
        if "optimizer" not in data:
            raise ValueError("an entry needs an optimizer")
        schedule = data.get("schedule")
        try:
            schedule = None if schedule is None else ScheduleSpec.from_dict(schedule)
        except ValueError as error:
            raise ValueError(f"entry {data.get('label') or data['optimizer']}: {error}") from None
        entry = cls(data["optimizer"], data.get("path_hyperparameters", {}),
                    data.get("mnist_hyperparameters", {}), schedule, data.get("label", ""),
                    data.get("color"), data.get("enabled", True)).validate()
        return make_entry(entry.optimizer, entry.path_hyperparameters, entry.mnist_hyperparameters,
                          schedule=entry.schedule, label=entry.label, color=entry.color,
                          enabled=entry.enabled)


def make_entry(optimizer: str, paths: Mapping[str, float] | None = None,
               mnist: Mapping[str, float] | None = None, **fields: Any) -> RunEntry:
    """An entry of ``optimizer`` whose hyperparameter tables hold every declared value: its
    defaults (the 2D ones for paths) updated with ``paths`` / ``mnist``, as floats."""
    if optimizer not in OPTIMIZERS:
        raise ValueError(f"unknown optimizer {optimizer!r}; choose from {', '.join(OPTIMIZERS)}")
    path_values = {**path_defaults(optimizer), **(paths or {})}
    mnist_values = {**OPTIMIZERS[optimizer].defaults(), **(mnist or {})}
    return RunEntry(optimizer, {k: float(v) for k, v in path_values.items()},
                    {k: float(v) for k, v in mnist_values.items()}, **fields)


def number_text(value: float) -> str:
    """The shortest text that reads back as ``value``: 0.001, 1e-05, 3 (not 3.0)."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def _differences(entry: RunEntry, siblings: Sequence[RunEntry]) -> list[str]:
    """What sets ``entry`` apart among ``siblings`` (entries of its optimizer, itself included),
    as command-line words: MNIST values ``lr=0.01``, 2D values ``path.lr=0.3``, then the schedule
    and the warmup; only the items on which the siblings disagree."""
    parts = []
    names = [hp.name for hp in OPTIMIZERS[entry.optimizer].hyperparameters]
    for task, prefix in (("mnist", ""), ("paths", "path.")):
        for name in names:
            values = {sibling.hyperparameters(task)[name] for sibling in siblings}
            if len(values) > 1:
                parts.append(f"{prefix}{name}={number_text(entry.hyperparameters(task)[name])}")
    schedule_of = lambda e: "constant" if e.schedule is None else e.schedule.text()  # noqa: E731
    if len({schedule_of(s) for s in siblings}) > 1:
        parts.append(f"schedule={schedule_of(entry)}")
    warmup_of = lambda e: 0 if e.schedule is None else e.schedule.warmup  # noqa: E731
    if len({warmup_of(s) for s in siblings}) > 1:
        parts.append(f"warmup={warmup_of(entry)}")
    return parts


def entry_labels(entries: Sequence[RunEntry]) -> list[str]:
    """The label of each of ``entries`` (the entries of one run), in order (see the module);
    ValueError when two come out the same."""
    labels = automatic_labels(entries)
    seen: dict[str, int] = {}
    for index, label in enumerate(labels):
        if label in seen:
            raise ValueError(f"entries {seen[label] + 1} and {index + 1} are both labelled "
                             f"{label!r}: give one a label of its own or change a value")
        seen[label] = index
    return labels


def automatic_labels(entries: Sequence[RunEntry]) -> list[str]:
    """The labels of :func:`entry_labels` without the uniqueness check (two may be equal)."""
    labels = []
    for entry in entries:
        if entry.label:
            labels.append(entry.label)
            continue
        siblings = [e for e in entries if e.optimizer == entry.optimizer and not e.label]
        if len([e for e in entries if e.optimizer == entry.optimizer]) == 1:
            labels.append(entry.optimizer)
        else:
            labels.append(" ".join([entry.optimizer] + _differences(entry, siblings)))
    return labels


def check_entries(entries: Sequence[RunEntry]) -> None:
    """ValueError unless ``entries`` is a list of valid entries, at least one enabled, whose
    labels (in the run, and the explicit ones over the whole list) are unique."""
    if not isinstance(entries, (list, tuple)):
        raise ValueError("entries must be a list")
    for entry in entries:
        if not isinstance(entry, RunEntry):
            raise ValueError(f"entries must be run entries, got {entry!r}")
        entry.validate()
    explicit = [e.label for e in entries if e.label]
    repeated = sorted({label for label in explicit if explicit.count(label) > 1})
    if repeated:
        raise ValueError(f"two entries are labelled {repeated[0]!r}: labels must be unique")
    enabled = [e for e in entries if e.enabled]
    if not enabled:
        raise ValueError("no entry selected: tick at least one entry")
    entry_labels(enabled)


def entries_from_tables(optimizers: Iterable[str], path_table: Mapping[str, Mapping[str, float]],
                        mnist_table: Mapping[str, Mapping[str, float]]) -> tuple[RunEntry, ...]:
    """One entry per optimizer, with its values from the per-optimizer tables: the form of the
    settings before entries existed (version 1)."""
    return tuple(make_entry(name, path_table.get(name, {}), mnist_table.get(name, {}))
                 for name in optimizers)


# ---- the command line's form: "Adam lr=0.01 path.lr=0.3 schedule=cosine label=fast" ----------

def parse_run(text: str, base: RunEntry | None = None,
              path_table: Mapping[str, Mapping[str, float]] | None = None,
              mnist_table: Mapping[str, Mapping[str, float]] | None = None) -> RunEntry:
    """The entry that a ``--run`` text describes: the optimizer's registry name (any letter
    case), then ``key=value`` pairs split shell-style (quotes allowed):

    - a hyperparameter name sets the MNIST value, ``path.NAME`` the 2D value;
    - ``schedule=NAME`` or ``schedule=NAME:key=value,...``; ``warmup=N`` (updates);
    - ``label=TEXT``, ``color=#rrggbb``.

    Values not given come from ``path_table`` / ``mnist_table`` (the settings' per-optimizer
    values) or the defaults. ValueError naming the problem for anything else.
    """
    try:
        words = shlex.split(text)
    except ValueError as error:
        raise ValueError(f"--run {text!r}: {error}") from None
    if not words:
        raise ValueError("--run needs an optimizer name, e.g. --run \"Adam lr=0.01\"")
    by_lower = {name.lower(): name for name in OPTIMIZERS}
    optimizer = by_lower.get(words[0].lower())
    if optimizer is None:
        raise ValueError(f"--run {text!r}: unknown optimizer {words[0]!r}; choose from "
                         f"{', '.join(OPTIMIZERS)}")
    declared = [hp.name for hp in OPTIMIZERS[optimizer].hyperparameters]
    paths = dict((path_table or {}).get(optimizer, {}))
    mnist = dict((mnist_table or {}).get(optimizer, {}))
    schedule: ScheduleSpec | None = None
    warmup = 0
    fields: dict[str, Any] = {}
    for word in words[1:]:
        key, equals, value = word.partition("=")
        if not equals or not key:
            raise ValueError(f"--run {text!r}: expected key=value after the optimizer, got {word!r}")
        if key == "schedule":
            try:
                schedule = parse_schedule(value)
            except ValueError as error:
                raise ValueError(f"--run {text!r}: {error}") from None
        elif key == "warmup":
            warmup = _whole(value, text, key)
        elif key in ("label", "color"):
            fields[key] = value.strip() if key == "label" else value
        else:
            table, name = (paths, key[5:]) if key.startswith("path.") else (mnist, key)
            if name not in declared:
                raise ValueError(f"--run {text!r}: {optimizer} has no hyperparameter {name!r}; "
                                 f"it has {', '.join(declared)} (path.NAME for the 2D value)")
            try:
                table[name] = float(value)
            except ValueError:
                raise ValueError(f"--run {text!r}: {key} must be a number, got {value!r}") from None
    if warmup:
        schedule = replace(schedule or ScheduleSpec(), warmup=warmup)
    entry = make_entry(optimizer, paths, mnist, schedule=schedule, **fields)
    try:
        return entry.validate()
    except ValueError as error:
        raise ValueError(f"--run {text!r}: {error}") from None


def _whole(value: str, text: str, key: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise ValueError(f"--run {text!r}: {key} must be a whole number, got {value!r}") from None


def run_text(entry: RunEntry) -> str:
    """The ``--run`` text that :func:`parse_run` turns back into ``entry`` (values that differ
    from the defaults, the schedule, the label and colour), e.g. ``Adam lr=0.01 schedule=cosine``."""
    words = [entry.optimizer]
    for task, prefix in (("mnist", ""), ("paths", "path.")):
        defaults = path_defaults(entry.optimizer) if task == "paths" else OPTIMIZERS[entry.optimizer].defaults()
        for name, value in entry.hyperparameters(task).items():
            if value != defaults[name]:
                words.append(f"{prefix}{name}={number_text(value)}")
    if entry.schedule is not None:
        if entry.schedule.name != "constant" or entry.schedule.parameters:
            words.append(f"schedule={entry.schedule.text()}")
        if entry.schedule.warmup:
            words.append(f"warmup={entry.schedule.warmup}")
    if entry.label:
        words.append(shlex.quote(f"label={entry.label}"))
    if entry.color:
        words.append(f"color={entry.color}")
    return " ".join(words)
