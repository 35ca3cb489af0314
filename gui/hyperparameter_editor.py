"""A hyperparameter's spin box with a slider beside it, for the live 2D paths.

The slider maps its integer positions onto the hyperparameter's range: logarithmically for
log-scaled ones (learning rates, from 1e-6 of the maximum up to the maximum), linearly for the
others. Dragging it sets the spin box (which validates, rounds to its decimals and emits
``valueChanged`` as usual), so the paths re-solve while it is dragged; a value typed or stepped
in the spin box moves the slider without echoing back.
"""
from __future__ import annotations

import math

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QSlider, QWidget

from nncore.optimizers import Hyperparameter

SLIDER_POSITIONS = 1000
"""Integer positions of a slider over its range."""
LOG_DECADES = 6
"""A log slider spans this many decades below the hyperparameter's maximum (1e-4 .. 100 for lr)."""


def slider_range(hp: Hyperparameter) -> tuple[float, float]:
    """The values at the slider's two ends (inside the valid range)."""
    unit = 10.0 ** -hp.decimals
    high = hp.maximum if hp.maximum_inclusive else hp.maximum - unit
    if hp.log_scale:
        return max(hp.minimum if hp.minimum_inclusive else hp.minimum + unit,
                   hp.maximum * 10.0 ** -LOG_DECADES), high
    return (hp.minimum if hp.minimum_inclusive else hp.minimum + unit), high


def value_at(hp: Hyperparameter, position: int) -> float:
    """The hyperparameter value at slider ``position`` (0 .. SLIDER_POSITIONS)."""
    low, high = slider_range(hp)
    fraction = position / SLIDER_POSITIONS
    if hp.log_scale:
        return 10.0 ** (math.log10(low) + fraction * (math.log10(high) - math.log10(low)))
    return low + fraction * (high - low)


def position_of(hp: Hyperparameter, value: float) -> int:
    """The slider position nearest to ``value`` (clamped to the slider's ends)."""
    low, high = slider_range(hp)
    value = min(max(value, low), high)
    if hp.log_scale:
        fraction = (math.log10(value) - math.log10(low)) / (math.log10(high) - math.log10(low))
    else:
        fraction = (value - low) / (high - low)
    return int(round(fraction * SLIDER_POSITIONS))


class HyperparameterEditor(QWidget):
    """``spin`` (a ``gui.controls.HyperparameterSpinBox``, kept with its objectName; its ``hp``
    is the declaration) and a slider named ``hpSlider_<task>_<Optimizer>_<name>``."""

    def __init__(self, spin: QDoubleSpinBox, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.spin = spin
        hp = spin.hp
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName(f"hpSlider_{spin.objectName().removeprefix('hp_')}")
        scale = "log scale, " if hp.log_scale else ""
        low, high = slider_range(hp)
        self.slider.setToolTip(f"Drag to change {hp.name} ({scale}{low:g} to {high:g}); the "
                               f"paths follow while you drag")
        self.slider.setRange(0, SLIDER_POSITIONS)
        self.slider.setMinimumWidth(60)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addWidget(spin)
        layout.addWidget(self.slider, 1)
        self.slider.valueChanged.connect(self._slider_moved)
        spin.valueChanged.connect(self._spin_changed)
        self._spin_changed(spin.value())

    def _slider_moved(self, position: int) -> None:
        self.spin.setValue(value_at(self.spin.hp, position))

    def _spin_changed(self, value: float) -> None:
        if self.slider.isSliderDown() and position_of(self.spin.hp, value) == self.slider.value():
            return
        self.slider.blockSignals(True)
        self.slider.setValue(position_of(self.spin.hp, value))
        self.slider.blockSignals(False)
