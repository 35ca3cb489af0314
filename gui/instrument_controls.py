"""Controls of issue 9's 2D settings, placed in the control panel's "2D paths" box: the rotatable
quadratic's curvatures and angle, and the gradient noise (sigma, seed, cloud size).

Each is a small widget with ``values()`` (the PathSettings fields it sets), ``set_values`` (from
a PathSettings) and a ``changed`` signal; ranges come from :mod:`nncore.ranges`.
"""
from __future__ import annotations

from PySide6.QtCore import QLocale, Signal
from PySide6.QtWidgets import QDoubleSpinBox, QHBoxLayout, QSpinBox, QWidget

from nncore import ranges
from nncore.settings import PathSettings


def _double(name: str, tooltip: str, valid: ranges.Range, step: float, decimals: int) -> QDoubleSpinBox:
    box = QDoubleSpinBox()
    box.setObjectName(name)
    box.setToolTip(f"{tooltip}; valid {valid.text()}")
    box.setLocale(QLocale.c())
    box.setDecimals(decimals)
    unit = 10.0 ** -decimals
    box.setRange(valid.minimum if valid.minimum_inclusive else valid.minimum + unit,
                 valid.maximum if valid.maximum_inclusive else valid.maximum - unit)
    box.setSingleStep(step)
    box.setKeyboardTracking(False)
    return box


def _integer(name: str, tooltip: str, valid: ranges.Range) -> QSpinBox:
    box = QSpinBox()
    box.setObjectName(name)
    box.setToolTip(f"{tooltip}; valid {valid.text()}")
    box.setRange(int(valid.minimum), int(valid.maximum))
    box.setKeyboardTracking(False)
    return box


def _row(parent: QWidget, *widgets) -> None:
    layout = QHBoxLayout(parent)
    layout.setContentsMargins(0, 0, 0, 0)
    for widget in widgets:
        layout.addWidget(widget)


class QuadraticControls(QWidget):
    """lambda1, lambda2 and theta (degrees) of the quadratic f = 1/2 (l1 u^2 + l2 v^2)."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lambda1_spin = _double("quadraticLambda1Spin", "\u03bb\u2081: curvature along the "
                                    "bowl's long axis", ranges.QUADRATIC_CURVATURE, 0.1, 4)
        self.lambda2_spin = _double("quadraticLambda2Spin", "\u03bb\u2082: curvature across the "
                                    "bowl", ranges.QUADRATIC_CURVATURE, 0.1, 4)
        self.angle_spin = _double("quadraticAngleSpin", "\u03b8: the long axis' angle in degrees, "
                                  "counterclockwise from x", ranges.QUADRATIC_ANGLE, 15.0, 2)
        self.angle_spin.setSuffix("\u00b0")
        _row(self, self.lambda1_spin, self.lambda2_spin, self.angle_spin)
        for spin in (self.lambda1_spin, self.lambda2_spin, self.angle_spin):
            spin.valueChanged.connect(self.changed)

    def values(self) -> dict[str, float]:
        return {"quadratic_lambda1": self.lambda1_spin.value(),
                "quadratic_lambda2": self.lambda2_spin.value(),
                "quadratic_angle": self.angle_spin.value()}

    def set_values(self, paths: PathSettings) -> None:
        self.lambda1_spin.setValue(paths.quadratic_lambda1)
        self.lambda2_spin.setValue(paths.quadratic_lambda2)
        self.angle_spin.setValue(paths.quadratic_angle)


class NoiseControls(QWidget):
    """Gradient noise sigma, its seed and the cloud size K."""

    changed = Signal()

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.noise_spin = _double("noiseSpin", "\u03c3: Gaussian noise added to each gradient "
                                  "component (0: exact gradients)", ranges.NOISE, 0.1, 3)
        self.noise_spin.setPrefix("\u03c3 ")
        self.seed_spin = _integer("noiseSeedSpin", "Seed of the noise; the cloud uses this seed "
                                  "and the next ones", ranges.NOISE_SEED)
        self.seed_spin.setPrefix("seed ")
        self.cloud_spin = _integer("cloudSpin", "Noisy runs per optimizer drawn as a cloud with "
                                   "their mean and 1-\u03c3 ellipse (0: none)", ranges.CLOUD)
        self.cloud_spin.setPrefix("K ")
        _row(self, self.noise_spin, self.seed_spin, self.cloud_spin)
        for spin in (self.noise_spin, self.seed_spin, self.cloud_spin):
            spin.valueChanged.connect(self.changed)

    def values(self) -> dict[str, float | int]:
        return {"noise": self.noise_spin.value(), "noise_seed": self.seed_spin.value(),
                "cloud": self.cloud_spin.value()}

    def set_values(self, paths: PathSettings) -> None:
        self.noise_spin.setValue(paths.noise)
        self.seed_spin.setValue(paths.noise_seed)
        self.cloud_spin.setValue(paths.cloud)
