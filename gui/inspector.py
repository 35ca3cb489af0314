"""The step inspector: one update of the selected optimizer taken apart, in numbers and arrows.

:func:`explain_step` turns a path record into the rule's formula with the step's numbers
substituted (e.g. ``v = 0.9·(0.07, −0.40) − 0.1·(−0.69, 3.20) = (0.13, −0.68)`` for Momentum)
and the arrows to draw from the step's start point: the gradient step −lr·g, the momentum term
where the rule has one, the adaptively scaled step where it has one, and the update taken.
Rules it has no specific text for get the generic one (gradient step, update, state values and
the formula from the class docstring's first line). :class:`StepInspector` shows the text.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Mapping

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QTextEdit, QVBoxLayout, QWidget

from nncore.optimizers import EPSILON, OPTIMIZERS
from nncore.paths import PathResult
from nncore.schedules import ScheduleSpec

GRADIENT_COLOR = "#1565c0"
MOMENTUM_COLOR = "#ef6c00"
SCALED_COLOR = "#2e7d32"
UPDATE_COLOR = "#111111"

MINUS, DOT = "\u2212", "\u00b7"


def number(value: float) -> str:
    """Two decimals where they say enough (0.07, −0.40, 3.20), else three significant digits."""
    if value == 0:
        return "0"
    if not math.isfinite(value):
        return "inf" if value > 0 else f"{MINUS}inf" if value < 0 else "nan"
    text = f"{value:.2f}" if 0.01 <= abs(value) < 1e4 else f"{value:.3g}"
    return text.replace("-", MINUS)


def pair(values) -> str:
    """(x, y) with :func:`number`."""
    return f"({number(float(values[0]))}, {number(float(values[1]))})"


def coefficient(value: float) -> str:
    """A hyperparameter as written in a formula: 0.9, 0.1, 1e-05."""
    return f"{value:g}".replace("-", MINUS)


@dataclass
class StepExplanation:
    """``lines``: the formula with numbers, one string per line; ``arrows``: (label, dx, dy,
    colour, x, y) drawn from (x, y) in data coordinates."""

    title: str
    lines: list[str] = field(default_factory=list)
    arrows: list[tuple[str, float, float, str, float, float]] = field(default_factory=list)


def _previous(result: PathResult, name: str, step: int) -> np.ndarray:
    """State slot ``name`` before update ``step`` (zeros before the first)."""
    values = result.state[name]
    return values[step - 2] if step >= 2 else np.zeros_like(values[0])


def explain_step(name: str, hyperparameters: Mapping[str, float], result: PathResult,
                 step: int, optimizer: str | None = None, schedule: ScheduleSpec | None = None,
                 total: int | None = None) -> StepExplanation:
    """Update ``step`` (1-based: from ``points[step - 1]`` to ``points[step]``) of the path
    ``result`` labelled ``name``, taken apart; step 0 describes the start.

    ``optimizer`` is the registry name of the path's rule (by default ``name``: an entry
    labelled by its optimizer), which chooses the text. With a learning-rate ``schedule`` over
    ``total`` updates (by default the path's steps), lr is the schedule's value at this update.
    """
    rule = optimizer or name
    title = f"{name}, step {step} of {result.steps}"
    if result.f is None or step < 1 or step > result.steps:
        point = result.points[min(max(step, 0), len(result.points) - 1)]
        f_text = f", f = {number(float(result.f[0]))}" if result.f is not None else ""
        lines = [f"start at {pair(point)}{f_text}" if step < 1 else
                 f"the path ends at step {result.steps}"]
        return StepExplanation(title, lines)
    p = result.points[step - 1]
    g = result.gradients[step - 1]
    u = result.updates[step - 1]
    lr = hyperparameters.get("lr", float("nan"))
    explanation = StepExplanation(title)
    if schedule is not None and "lr" in hyperparameters:
        lr = schedule.lr(step - 1, total or result.steps, lr)
        explanation.lines.append(f"lr = {number(lr)} (schedule {schedule.text()}, update {step})")
    explanation.arrows.append(("gradient step \u2212lr\u00b7g", *(-lr * g), GRADIENT_COLOR, *p))
    explain = _SPECIFIC.get(rule, _generic)
    explain(explanation, rule, hyperparameters, result, step, p, g, u, lr)
    explanation.arrows.append(("update taken", *u, UPDATE_COLOR, *p))
    explanation.lines.append(f"x \u2190 {pair(p)} + {pair(u)} = {pair(result.points[step])}")
    explanation.lines.append(f"f = {number(float(result.f[step - 1]))} \u2192 "
                             f"{number(float(result.f[step]))}")
    return explanation


def _sgd(e, name, hp, result, step, p, g, u, lr):
    e.lines.append(f"g = \u2207f{pair(p)} = {pair(g)}")
    e.lines.append(f"\u0394 = {MINUS}lr{DOT}g = {MINUS}{coefficient(lr)}{DOT}{pair(g)} = {pair(-lr * g)}")


def _momentum(e, name, hp, result, step, p, g, u, lr):
    beta = hp["momentum"]
    v_prev, v = _previous(result, "v", step), result.state["v"][step - 1]
    e.lines.append(f"g = \u2207f{pair(p)} = {pair(g)}")
    e.lines.append(f"v = {coefficient(beta)}{DOT}{pair(v_prev)} {MINUS} {coefficient(lr)}{DOT}"
                   f"{pair(g)} = {pair(v)}")
    e.lines.append("\u0394 = v")
    e.arrows.append(("momentum term momentum\u00b7v", *(beta * v_prev), MOMENTUM_COLOR, *p))


def _adaptive(e, name, hp, result, step, p, g, u, lr, h_name="h", direction=None, rate=None):
    h_prev, h = _previous(result, h_name, step), result.state[h_name][step - 1]
    factor = 1.0 / (np.sqrt(h) + EPSILON)
    direction = g if direction is None else direction
    rate = lr if rate is None else rate
    e.lines.append(f"factor 1/(\u221a{h_name} + \u03b5) = {pair(factor)} on (x, y)")
    symbol = "g" if direction is g else "m"
    e.lines.append(f"\u0394 = {MINUS}{coefficient(rate) if rate == lr else number(rate)}{DOT}"
                   f"{pair(direction)}\u2299{pair(factor)} = {pair(-rate * direction * factor)}")
    e.arrows.append((f"scaled step {MINUS}lr\u00b7{symbol}/(\u221a{h_name} + \u03b5)",
                     *(-rate * direction * factor), SCALED_COLOR, *p))
    return h_prev, h


def _adagrad(e, name, hp, result, step, p, g, u, lr):
    h_prev, h = _previous(result, "h", step), result.state["h"][step - 1]
    e.lines.append(f"g = \u2207f{pair(p)} = {pair(g)}")
    e.lines.append(f"h = {pair(h_prev)} + g\u00b2 = {pair(h)}")
    _adaptive(e, name, hp, result, step, p, g, u, lr)


def _rmsprop(e, name, hp, result, step, p, g, u, lr):
    rho = hp["decay_rate"]
    h_prev, h = _previous(result, "h", step), result.state["h"][step - 1]
    e.lines.append(f"g = \u2207f{pair(p)} = {pair(g)}")
    e.lines.append(f"h = {coefficient(rho)}{DOT}{pair(h_prev)} + {coefficient(1 - rho)}{DOT}g\u00b2"
                   f" = {pair(h)}")
    _adaptive(e, name, hp, result, step, p, g, u, lr)


def _adam(e, name, hp, result, step, p, g, u, lr):
    b1, b2 = hp["beta1"], hp["beta2"]
    t = int(result.state["iter"][step - 1])
    lr_t = lr * math.sqrt(1.0 - b2 ** t) / (1.0 - b1 ** t)
    m = result.state["m"][step - 1]
    m_prev, v_prev = _previous(result, "m", step), _previous(result, "v", step)
    e.lines.append(f"g = \u2207f{pair(p)} = {pair(g)}")
    if name == "AdamW" and hp.get("weight_decay"):
        e.lines.append(f"decay first: W \u2212= lr{DOT}weight_decay{DOT}W = "
                       f"{coefficient(lr)}{DOT}{coefficient(hp['weight_decay'])}{DOT}{pair(p)}")
    e.lines.append(f"t = {t}, lr_t = lr{DOT}\u221a(1 {MINUS} \u03b2\u2082^t)/(1 {MINUS} \u03b2\u2081^t)"
                   f" = {number(lr_t)}")
    e.lines.append(f"m = {pair(m_prev)} + {coefficient(1 - b1)}{DOT}(g {MINUS} m) = {pair(m)}")
    e.lines.append(f"v = {pair(v_prev)} + {coefficient(1 - b2)}{DOT}(g\u00b2 {MINUS} v) = "
                   f"{pair(result.state['v'][step - 1])}")
    e.arrows.append((f"momentum term {MINUS}lr_t\u00b7m", *(-lr_t * m), MOMENTUM_COLOR, *p))
    _adaptive(e, name, hp, result, step, p, g, u, lr, h_name="v", direction=m, rate=lr_t)


def _generic(e, name, hp, result, step, p, g, u, lr):
    cls = OPTIMIZERS.get(name)
    rule = (cls.__doc__ or name).strip().splitlines()[0] if cls else name
    e.lines.append(rule)
    e.lines.append(f"g = \u2207f{pair(p)} = {pair(g)}; {MINUS}lr{DOT}g = {pair(-lr * g)}")
    for state_name, values in result.state.items():
        value = values[step - 1]
        e.lines.append(f"{state_name} = {pair(value) if np.ndim(value) else number(float(value))}")
    e.lines.append(f"\u0394 = {pair(u)}")


_SPECIFIC = {"SGD": _sgd, "Momentum": _momentum, "AdaGrad": _adagrad, "RMSprop": _rmsprop,
             "Adam": _adam, "AdamW": _adam}
"""Optimizers with their own explanation; every other registered one gets :func:`_generic`."""


def _swatch(colour: str) -> str:
    return f"<span style='color:{colour}'>\u25a0</span>"


class StepInspector(QWidget):
    """The text half of the step inspector (the arrows are drawn on the path plot)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("stepInspector")
        self.setToolTip("The selected optimizer's update at the current step: the formula with "
                        "the step's numbers, and what each arrow on the plot is")
        # A read-only text edit, not a QLabel in a scroll area: a new text re-laid the label out
        # for the scroll area and painted it twice, 3.5 ms of every change of a live path
        # against 0.7 ms (it scrolls itself and its size does not follow its text).
        self.label = QTextEdit()
        self.label.setObjectName("stepInspectorText")
        self.label.setReadOnly(True)
        self.label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.label.setFrameShape(QFrame.Shape.NoFrame)
        self.label.viewport().setAutoFillBackground(False)  # on the panel's background
        self.label.document().setDocumentMargin(0)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 2, 4, 2)
        layout.addWidget(self.label)
        self.explanation: StepExplanation | None = None
        self._html = ""
        self.show_explanation(None)

    def show_explanation(self, explanation: StepExplanation | None) -> None:
        """Show ``explanation`` (None: a hint to tick and select an optimizer)."""
        self.explanation = explanation
        if explanation is None:
            html = "<i>Tick an optimizer and select it in the list to take its steps apart here.</i>"
        else:
            lines = [f"<b>{explanation.title}</b>"]
            lines += [f"<span style='font-family:monospace'>{line}</span>" for line in explanation.lines]
            if explanation.arrows:
                lines.append(" &nbsp; ".join(f"{_swatch(colour)} {label}"
                                             for label, _dx, _dy, colour, _x, _y in explanation.arrows))
            html = "<br>".join(lines)
        if html != self._html:  # another path changed: this text stays, unparsed and unpainted
            self._html = html
            self.label.setHtml(html)

    def text(self) -> str:
        """The plain text shown (for tests and exports)."""
        if self.explanation is None:
            return ""
        return "\n".join([self.explanation.title, *self.explanation.lines])
