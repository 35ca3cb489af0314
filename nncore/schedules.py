"""Learning-rate schedules: the learning rate of every update of a run, as pure functions.

A schedule maps (t, total, base) to the learning rate of update t, where t = 0, 1, ...,
total - 1 counts the updates of the run (iteration t + 1 of MNIST, step t + 1 of a 2D path),
``total`` is the run's number of updates and ``base`` the entry's learning rate (its ``lr``
hyperparameter, the peak of the schedule). The formulas are PyTorch's (``torch.optim.lr_scheduler``)
with ``T_max`` / ``total_steps`` equal to ``total``:

- constant:     lr_t = base
- step:         lr_t = base * gamma^floor(t / every)                        (StepLR)
- exponential:  lr_t = base * gamma^t                                       (ExponentialLR)
- cosine:       lr_t = min + (base - min) * (1 + cos(pi t / total)) / 2     (CosineAnnealingLR)
- onecycle:     from base/div up to base at t = pct * total - 1, then down to
                base/(div * final_div) at t = total - 1, both phases cosine  (OneCycleLR)

A :class:`ScheduleSpec` names one of them with its parameters, and optionally a linear warmup of
``warmup`` updates before it: lr_t = base * (t + 1) / warmup for t < warmup, then the schedule
over the remaining total - warmup updates (t - warmup of them done).

:class:`ScheduledOptimizer` applies a schedule to any optimizer of :mod:`nncore.optimizers`:
before each update it sets the optimizer's ``lr`` to the schedule's value, and nothing else
changes (other learning-rate-like values, such as Muon's ``adam_lr``, stay as they are).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .ranges import Range

WARMUP = Range("warmup (updates)", 0, 1_000_000, integer=True)


@dataclass(frozen=True)
class ScheduleParameter:
    """One declared parameter of a schedule: its name, default and valid range."""

    name: str
    default: float
    range: Range
    description: str = ""


@dataclass(frozen=True)
class Schedule:
    """A named schedule: ``function(t, total, base, **parameters)`` -> lr of update t."""

    name: str
    function: Callable[..., float]
    parameters: tuple[ScheduleParameter, ...] = ()
    description: str = ""

    def defaults(self) -> dict[str, float]:
        return {p.name: p.default for p in self.parameters}


def constant(t: int, total: int, base: float) -> float:
    """lr_t = base."""
    return base


def step(t: int, total: int, base: float, gamma: float, every: int) -> float:
    """lr_t = base * gamma^floor(t / every); ``every`` 0 means a quarter of the run (at least 1)."""
    every = every or max(1, total // 4)
    return base * gamma ** (t // every)


def exponential(t: int, total: int, base: float, gamma: float) -> float:
    """lr_t = base * gamma^t."""
    return base * gamma ** t


def cosine(t: int, total: int, base: float, min: float) -> float:  # noqa: A002 - the schedule's word
    """lr_t = min + (base - min) * (1 + cos(pi * t / total)) / 2: base at t = 0, the mean of base
    and min at t = total / 2, approaching min at the end."""
    return min + (base - min) * (1.0 + math.cos(math.pi * t / total)) / 2.0


def _cosine_between(start: float, end: float, fraction: float) -> float:
    """From ``start`` (fraction 0) to ``end`` (fraction 1) along half a cosine wave."""
    return end + (start - end) / 2.0 * (math.cos(math.pi * fraction) + 1.0)


def onecycle(t: int, total: int, base: float, pct: float, div: float, final_div: float) -> float:
    """PyTorch's OneCycleLR (two phases, cosine annealing) with max_lr = base: from base / div at
    t = 0 up to base at t = pct * total - 1, then down to base / (div * final_div) at t = total - 1.
    """
    initial = base / div
    final = initial / final_div
    peak = float(pct * total) - 1.0
    if t <= peak:
        return _cosine_between(initial, base, t / peak if peak > 0 else 1.0)
    span = (total - 1) - peak
    return _cosine_between(base, final, (t - peak) / span if span > 0 else 1.0)


_FACTOR = Range("gamma", 0, 1, minimum_inclusive=False)

SCHEDULES: dict[str, Schedule] = {s.name: s for s in (
    Schedule("constant", constant, (), "the learning rate throughout"),
    Schedule("step", step, (
        ScheduleParameter("gamma", 0.1, _FACTOR, "factor applied at every drop"),
        ScheduleParameter("every", 0, Range("every (updates)", 0, 1_000_000, integer=True),
                          "updates between drops; 0 = a quarter of the run")),
             "multiplied by gamma every so many updates"),
    Schedule("exponential", exponential, (
        ScheduleParameter("gamma", 0.999, _FACTOR, "factor applied at every update"),),
             "multiplied by gamma at every update"),
    Schedule("cosine", cosine, (
        ScheduleParameter("min", 0.0, Range("min (learning rate)", 0, 100),
                          "learning rate at the end of the run"),),
             "half a cosine wave from the learning rate down to min over the run"),
    Schedule("onecycle", onecycle, (
        ScheduleParameter("pct", 0.3, Range("pct", 0, 1, minimum_inclusive=False,
                                            maximum_inclusive=False),
                          "fraction of the run spent rising to the learning rate"),
        ScheduleParameter("div", 25.0, Range("div", 1, 1e9), "start = lr / div"),
        ScheduleParameter("final_div", 1e4, Range("final_div", 1, 1e12), "end = start / final_div")),
             "PyTorch's one-cycle: up from lr/25 to lr over 30 % of the run, then down to lr/2.5e5"),
)}
"""Schedule name -> :class:`Schedule`, in the order a user interface lists them."""


@dataclass(frozen=True)
class ScheduleSpec:
    """A schedule with its parameter values and an optional linear warmup of ``warmup`` updates.

    ``parameters`` holds only the values that differ from the schedule's defaults or were given.
    """

    name: str = "constant"
    parameters: Mapping[str, float] = field(default_factory=dict)
    warmup: int = 0

    def validate(self) -> "ScheduleSpec":
        """Self if the name, every parameter and the warmup are valid; ValueError naming the
        problem (and the valid range) otherwise."""
        if not isinstance(self.name, str) or self.name not in SCHEDULES:
            raise ValueError(f"unknown schedule {self.name!r}; choose from {', '.join(SCHEDULES)}")
        declared = {p.name: p for p in SCHEDULES[self.name].parameters}
        if not isinstance(self.parameters, Mapping):
            raise ValueError(f"schedule {self.name}: parameters must be a JSON object")
        for key, value in self.parameters.items():
            if key not in declared:
                known = ", ".join(declared) or "none"
                raise ValueError(f"schedule {self.name} has no parameter {key!r} (it has {known})")
            declared[key].range.check(value)
        WARMUP.check(self.warmup)
        return self

    def values(self) -> dict[str, float]:
        """Every parameter of the schedule: the defaults with the given values."""
        return {**SCHEDULES[self.name].defaults(), **self.parameters}

    def lr(self, t: int, total: int, base: float) -> float:
        """The learning rate of update ``t`` (0-based) of ``total``, for base rate ``base``."""
        if t < self.warmup:
            return base * (t + 1) / self.warmup
        return SCHEDULES[self.name].function(t - self.warmup, max(1, total - self.warmup), base,
                                             **self.values())

    def text(self) -> str:
        """The command-line form: ``cosine``, ``step:gamma=0.5,every=500`` (warmup not included)."""
        if not self.parameters:
            return self.name
        return self.name + ":" + ",".join(f"{k}={_number_text(v)}" for k, v in self.parameters.items())

    def to_dict(self) -> dict[str, Any]:
        return {"name": self.name, "parameters": dict(self.parameters), "warmup": self.warmup}

    @classmethod
    def from_dict(cls, data: Any) -> "ScheduleSpec":
        """A spec from ``to_dict``'s form; ValueError naming an unknown key or bad value."""
        if not isinstance(data, dict):
            raise ValueError("a schedule must be a JSON object with name, parameters, warmup")
        unknown = sorted(set(data) - {"name", "parameters", "warmup"})
        if unknown:
            raise ValueError(f"unknown schedule setting {unknown[0]!r}")
        spec = cls(data.get("name", "constant"), data.get("parameters", {}), data.get("warmup", 0))
        spec.validate()
        return cls(spec.name, {k: _typed(spec.name, k, v) for k, v in spec.parameters.items()},
                   spec.warmup)


def _typed(schedule: str, key: str, value: float) -> float | int:
    """``value`` as the parameter's type: int for whole-number ranges, float otherwise."""
    declared = {p.name: p for p in SCHEDULES[schedule].parameters}[key]
    return int(value) if declared.range.integer else float(value)


def _number_text(value: float) -> str:
    """The shortest text that reads back as ``value`` (0.5, 1e-05, 500)."""
    text = repr(value)
    return text[:-2] if text.endswith(".0") else text


def parse_schedule(text: str) -> ScheduleSpec:
    """``NAME`` or ``NAME:key=value,key=value`` -> a validated ScheduleSpec (no warmup).

    ValueError naming the problem for an unknown name or parameter, a value that is not a
    number or is outside its range.
    """
    name, _, rest = text.strip().partition(":")
    name = name.strip().lower()
    if name not in SCHEDULES:
        raise ValueError(f"unknown schedule {name!r}; choose from {', '.join(SCHEDULES)}")
    declared = {p.name: p for p in SCHEDULES[name].parameters}
    parameters: dict[str, float] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, equals, value = item.partition("=")
        key = key.strip()
        if not equals:
            raise ValueError(f"schedule {name}: expected key=value, got {item!r}")
        if key not in declared:
            known = ", ".join(declared) or "none"
            raise ValueError(f"schedule {name} has no parameter {key!r} (it has {known})")
        try:
            number = int(value) if declared[key].range.integer else float(value)
        except ValueError:
            kind = "a whole number" if declared[key].range.integer else "a number"
            raise ValueError(f"schedule {name}: {key} must be {kind} in "
                             f"{declared[key].range.text()}, got {value.strip()!r}") from None
        parameters[key] = number
    return ScheduleSpec(name, parameters).validate()


def learning_rates(spec: ScheduleSpec | None, total: int, base: float) -> list[float]:
    """The learning rate of each of ``total`` updates (``base`` throughout without a schedule)."""
    if spec is None:
        return [base] * total
    return [spec.lr(t, total, base) for t in range(total)]


class ScheduledOptimizer:
    """Mixed into an optimizer's class by :func:`scheduled`: its ``lr`` follows ``spec`` over a
    run of ``total`` updates.

    Before each :meth:`update` it sets ``lr`` to ``spec.lr(t, total, base)`` (t counts the
    updates since the last :meth:`reset`, from 0; ``base`` is ``lr`` when the schedule was
    applied). Everything else (state, other hyperparameters, class attributes such as
    ``elementwise``) is the optimizer's own.
    """

    _schedule: tuple[ScheduleSpec, int, float]
    _schedule_step: int

    def update(self, params, grads) -> None:
        spec, total, base = self._schedule
        self.lr = spec.lr(self._schedule_step, total, base)
        self._schedule_step += 1
        super().update(params, grads)

    def reset(self) -> None:
        super().reset()
        if hasattr(self, "_schedule"):  # the optimizer's __init__ resets before it is scheduled
            self._schedule_step = 0
            self.lr = self._schedule[2]


_SCHEDULED_CLASSES: dict[type, type] = {}


def _scheduled_class(cls: type) -> type:
    """``cls`` with :class:`ScheduledOptimizer`'s update and reset in front (same name)."""
    if cls not in _SCHEDULED_CLASSES:
        _SCHEDULED_CLASSES[cls] = type(cls.__name__, (ScheduledOptimizer, cls),
                                       {"__qualname__": cls.__qualname__, "__module__": cls.__module__})
    return _SCHEDULED_CLASSES[cls]


def scheduled(optimizer, spec: ScheduleSpec | None, total: int):
    """``optimizer`` itself without a schedule; else the same object made a
    :class:`ScheduledOptimizer` whose lr follows ``spec`` over ``total`` updates (from now:
    its step count starts at 0)."""
    if spec is None:
        return optimizer
    if isinstance(optimizer, ScheduledOptimizer):
        raise ValueError("this optimizer already follows a schedule")
    optimizer.__class__ = _scheduled_class(type(optimizer))
    optimizer._schedule = (spec, total, optimizer.lr)
    optimizer._schedule_step = 0
    return optimizer
