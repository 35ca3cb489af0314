"""A spin box for one number whose valid range comes from its one definition, shown without loss.

:class:`NumberBox` replaces QSpinBox / QDoubleSpinBox for every setting of a run. Those Qt boxes
cannot do what the settings need: QSpinBox holds only int32 (a seed of 2**31 crashed the window),
QDoubleSpinBox rounds to a fixed number of decimals (1e-9 became 0, 0.12345 became 0.123) and
both silently clamp what is set and refuse the key strokes that would leave the range while
typing (5000 became 500 in a box whose maximum is 1000).

Here the text is what counts. Any text can be typed, including scientific notation ("1e-3");
the value is the number the text parses to, and it is accepted only when it lies in the box's
:class:`nncore.ranges.Range`. A value outside the range (or text that is no number) is never
clamped, rounded or reverted: the box turns red, its tooltip names the range, and
:meth:`NumberBox.checked_value` raises ValueError with that message (Start shows it in a dialog).
Values are shown in the shortest text that reads back as the same number (``repr``): 1e-09,
0.12345, 0.99999, 4294967295.
"""
from __future__ import annotations

import math

from PySide6.QtCore import QSize, Signal
from PySide6.QtGui import QValidator
from PySide6.QtWidgets import QAbstractSpinBox, QWidget

from nncore.optimizers import Hyperparameter
from nncore.ranges import Range

INVALID_STYLE = "QAbstractSpinBox { background: #ffd6d6; }"
"""How a box with a refused value looks: a light red background (the tooltip says why)."""
WIDTH_SAMPLE = "12.345678"
"""The box asks for room for this text, so values such as 12.345678 or 1e-05 are not clipped."""
LOG_LADDER = (1.0, 2.0, 5.0)
"""Mantissas of the values a log-scaled box steps through: ..., 0.1, 0.2, 0.5, 1, 2, ..."""


def log_step(value: float, steps: int) -> float:
    """``value`` moved ``steps`` places along the 1-2-5 ladder (0.01, 0.02, 0.05, 0.1, ...).

    A value between two rungs moves to the next rung in the direction of the step.
    """
    exponent = math.floor(math.log10(value))
    rungs = [m * 10.0 ** e for e in (exponent - 1, exponent, exponent + 1) for m in LOG_LADDER]
    tolerance = value * 1e-9
    if steps > 0:
        position = next(r for r in rungs if r > value + tolerance)
        return position if steps == 1 else log_step(position, steps - 1)
    position = next(r for r in reversed(rungs) if r < value - tolerance)
    return position if steps == -1 else log_step(position, steps + 1)


def number_text(value: float, integer: bool = False) -> str:
    """``value`` as the shortest text that parses back to exactly the same number.

    Whole numbers of an integer setting in full (4294967295); others by Python's shortest
    round-trip repr without a trailing ".0" (1e-09, 0.12345, 5000, 1e+20).
    """
    if integer:
        return str(int(value))
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def parse_number(text: str, integer: bool = False) -> float | int | None:
    """The number ``text`` spells ('1e-3', ' 5000 ', '-7'), or None if it is not one.

    For an integer setting a whole float text ('1e3') gives the int 1000; '2.5' gives the float
    2.5, which the range then refuses as not whole. Python's digit separators ('1_000') are not
    numbers here.
    """
    text = text.strip()
    if not text or "_" in text:
        return None
    if integer:
        try:
            return int(text)
        except ValueError:
            pass
    try:
        value = float(text)
    except ValueError:
        return None
    if integer and math.isfinite(value) and value.is_integer():
        return int(value)
    return value


def hyperparameter_range(hp: Hyperparameter) -> Range:
    """The Range of a declared optimizer hyperparameter (same bounds, inclusivity, log scale)."""
    return Range(hp.name, hp.minimum, hp.maximum, minimum_inclusive=hp.minimum_inclusive,
                 maximum_inclusive=hp.maximum_inclusive, log_scale=hp.log_scale)


class NumberBox(QAbstractSpinBox):
    """A spin box for a number in ``valid`` (a :class:`nncore.ranges.Range`).

    ``value()`` is the last valid value (it never raises, like QDoubleSpinBox's), ``is_valid()``
    says whether the text shown is a valid value, and ``checked_value()`` returns the value of
    the text or raises ValueError naming the setting and its range. ``valueChanged`` is emitted
    with every new valid value (typed and confirmed with Enter or by leaving the box, stepped, or
    set); a refused text turns the box red with the reason in its tooltip. The arrows step by
    ``step`` (along the 1-2-5 ladder for log-scaled ranges) and never leave the range.
    """

    valueChanged = Signal(object)

    def __init__(self, valid: Range, step: float = 1, tooltip: str = "",
                 parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.valid = valid
        self.step = step
        self._tooltip = tooltip
        self._value: float | int = self._first_valid_value()
        self.setKeyboardTracking(False)
        self.setAccelerated(True)
        self.lineEdit().setText(self._format(self._value))
        self.editingFinished.connect(self._commit)
        self._show_validity(True)

    # -- range -----------------------------------------------------------------------------
    def minimum(self) -> float:
        """The lower bound of the range (itself valid only if the range includes it)."""
        return self.valid.minimum

    def maximum(self) -> float:
        """The upper bound of the range (itself valid only if the range includes it)."""
        return self.valid.maximum

    def range_text(self) -> str:
        """The valid range in interval notation, e.g. ``[0, 4294967295]`` or ``(0, 100]``."""
        return self.valid.text()

    def _first_valid_value(self) -> float | int:
        low = self.valid.minimum
        if self.valid.contains(low):
            return int(low) if self.valid.integer else float(low)
        return self.valid.maximum if self.valid.contains(self.valid.maximum) else low

    def _format(self, value: float) -> str:
        return number_text(value, self.valid.integer)

    # -- value -----------------------------------------------------------------------------
    def value(self) -> float | int:
        """The last valid value of this box (the text may since have become invalid)."""
        return self._value

    def is_valid(self) -> bool:
        """True when the text shown is a number inside the range."""
        return self._parse(self.text()) is not None

    def checked_value(self) -> float | int:
        """The value the text shows; ValueError naming the setting and its range otherwise."""
        value = self._parse(self.text())
        if value is None:
            raise ValueError(self.problem())
        return value

    def problem(self) -> str:
        """Why the text shown is refused ('' when it is valid)."""
        if self.is_valid():
            return ""
        kind = "a whole number" if self.valid.integer else "a number"
        return f"{self.valid.label} must be {kind} in {self.valid.text()}, got {self.text().strip()!r}"

    def setValue(self, value: float) -> None:
        """Show ``value`` exactly. A value outside the range is shown too, and marked invalid."""
        self.lineEdit().setText(self._format(value) if self._is_number(value) else str(value))
        self.lineEdit().setCursorPosition(0)  # a long value shows its start, not its last digits
        self._commit()

    @staticmethod
    def _is_number(value) -> bool:
        return isinstance(value, (int, float)) and not isinstance(value, bool) and \
            (isinstance(value, int) or math.isfinite(value))

    def _parse(self, text: str) -> float | int | None:
        value = parse_number(text, self.valid.integer)
        if value is None or not self.valid.contains(value):
            return None
        return int(value) if self.valid.integer else float(value)

    def _commit(self) -> None:
        """Take the text as the value if it is valid; mark the box either way."""
        value = self._parse(self.text())
        self._show_validity(value is not None)
        if value is not None and (value != self._value or type(value) is not type(self._value)):
            self._value = value
            self.valueChanged.emit(value)

    def set_live(self) -> None:
        """Take every valid text as the value while it is typed, not only on Enter (for
        settings whose effect is instant, such as the live 2D paths). Text that is not yet a
        valid number ("1e-") changes nothing until Enter, which marks it refused."""
        self.lineEdit().textEdited.connect(self._take_valid_text)

    def _take_valid_text(self, text: str) -> None:
        if self._parse(text) is not None:
            self._commit()

    def _show_validity(self, valid: bool) -> None:
        tip = f"{self._tooltip}; valid {self.valid.text()}" if self._tooltip else f"valid {self.valid.text()}"
        if not valid:
            tip = f"Refused: {self.problem()}\n{tip}"
        self.setToolTip(tip)
        self.setStyleSheet("" if valid else INVALID_STYLE)

    def set_tooltip(self, text: str) -> None:
        """The explanation shown in the tooltip, before the valid range."""
        self._tooltip = text
        self._show_validity(self.is_valid())

    # -- QAbstractSpinBox ------------------------------------------------------------------
    def validate(self, text: str, position: int) -> object:
        """Every text may be typed (nothing is refused key by key or reverted on leaving)."""
        return QValidator.State.Acceptable, text, position

    def fixup(self, text: str) -> str:
        return text

    def stepEnabled(self) -> QAbstractSpinBox.StepEnabledFlag:
        if self.isReadOnly():
            return QAbstractSpinBox.StepEnabledFlag.StepNone
        return (QAbstractSpinBox.StepEnabledFlag.StepUpEnabled
                | QAbstractSpinBox.StepEnabledFlag.StepDownEnabled)

    def stepBy(self, steps: int) -> None:
        """Step from the value shown (or the last valid one); a step that would leave the range
        goes to the bound if the bound is valid, else it is not taken."""
        value = self._parse(self.text())
        start = self._value if value is None else value
        if self.valid.log_scale and start > 0:
            target = log_step(start, steps)
        else:
            target = start + steps * self.step
        if self.valid.integer:
            target = int(round(target))
        if not self.valid.contains(target):
            bound = self.valid.maximum if steps > 0 else self.valid.minimum
            target = bound if self.valid.contains(bound) else start
        self.setValue(target)
        self.lineEdit().selectAll()

    def sizeHint(self) -> QSize:
        """Room for WIDTH_SAMPLE (or the longest bound) plus the arrows."""
        hint = super().sizeHint()
        metrics = self.fontMetrics()
        text = max(WIDTH_SAMPLE, self._format(self.valid.maximum), key=len)
        width = metrics.horizontalAdvance(text + " ") + 2 * metrics.height()
        return QSize(max(hint.width(), width), hint.height())
