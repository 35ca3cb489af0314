"""The valid range of every numeric setting that is not an optimizer hyperparameter.

One definition serves nncore's validation, the command line, settings files and the window's
controls (optimizer hyperparameters declare theirs in :class:`nncore.optimizers.Hyperparameter`).
A value outside its range is refused with a message that names the range; nothing is clamped,
rounded or truncated.
"""
from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Any

import numpy as np


@dataclass(frozen=True)
class Range:
    """A closed or half-open interval of valid values for one setting.

    ``label`` names the setting in messages ("steps", "batch size"); ``integer`` says that only
    whole numbers are valid; ``log_scale`` that multiplicative steps suit it (controls, sliders).
    """

    label: str
    minimum: float
    maximum: float
    integer: bool = False
    minimum_inclusive: bool = True
    maximum_inclusive: bool = True
    log_scale: bool = False

    def text(self) -> str:
        """The range in interval notation, e.g. ``[1, 100000]`` or ``(0, 100]``."""
        left = "[" if self.minimum_inclusive else "("
        right = "]" if self.maximum_inclusive else ")"
        return f"{left}{_number_text(self.minimum)}, {_number_text(self.maximum)}{right}"

    def contains(self, value: float) -> bool:
        """True when ``value`` is a finite number inside the range (and whole, if ``integer``).

        Python ints are compared exactly, so an int too large for a float (10**400) is simply
        outside, never an OverflowError.
        """
        if not isinstance(value, numbers.Integral):
            if not math.isfinite(value) or (self.integer and value != int(value)):
                return False
        above = value >= self.minimum if self.minimum_inclusive else value > self.minimum
        below = value <= self.maximum if self.maximum_inclusive else value < self.maximum
        return bool(above and below)

    def check(self, value: Any) -> float | int:
        """``value`` if it is a number (not a bool) inside the range, as int for integer ranges;
        otherwise ValueError naming the setting and the range.

        Strict about types: a string, a bool, None or (for integer ranges) a float such as 100.7
        or 100.0 is refused rather than converted. NumPy scalars count as numbers.
        """
        kind = "a whole number" if self.integer else "a number"
        wanted = numbers.Integral if self.integer else numbers.Real
        if (isinstance(value, (bool, np.bool_)) or not isinstance(value, wanted)
                or not self.contains(value)):
            raise ValueError(f"{self.label} must be {kind} in {self.text()}, got {_value_text(value)}")
        return int(value) if self.integer else float(value)


def _value_text(value: Any) -> str:
    """The refused value as the user wrote it (numbers plainly, anything else as its repr)."""
    if isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_)):
        if abs(value) < 10 ** 16:
            return str(int(value))
        return f"{float(value):.6g}" if abs(value) < 10 ** 300 else "a number of more than 300 digits"
    if isinstance(value, numbers.Real) and not isinstance(value, (bool, np.bool_)):
        return repr(float(value))
    return repr(value)


def _number_text(value: float) -> str:
    """Whole numbers in full (4294967295), others in the shortest form (1e-06, 0.5)."""
    return str(int(value)) if float(value).is_integer() and abs(value) < 1e16 else f"{value:g}"


STEPS = Range("steps", 1, 100_000, integer=True)
START_COORDINATE = Range("start coordinate", -1e6, 1e6)
ITERATIONS = Range("iterations", 1, 1_000_000, integer=True)
BATCH_SIZE = Range("batch size", 1, 60_000, integer=True)
EVAL_INTERVAL = Range("evaluation interval", 0, 1_000_000, integer=True)
SEED = Range("seed", 0, 2 ** 32 - 1, integer=True)
REPEATS = Range("repeats", 1, 100, integer=True)
"""Runs of every MNIST entry from seeds seed, seed + 1, ... (mean and spread over them)."""
HIDDEN_SIZE = Range("hidden layer size", 1, 4096, integer=True)
HIDDEN_LAYERS = Range("number of hidden layers", 1, 16, integer=True)
WEIGHT_DECAY = Range("weight decay", 0, 1000)
WEIGHT_INIT_STD = Range("weight init std", 0, 100, minimum_inclusive=False, log_scale=True)
QUADRATIC_CURVATURE = Range("quadratic curvature (lambda)", 0, 1e6, minimum_inclusive=False,
                            log_scale=True)
QUADRATIC_ANGLE = Range("quadratic angle (degrees)", -360, 360)
NOISE = Range("gradient noise sigma", 0, 1e6)
NOISE_SEED = Range("noise seed", 0, 2 ** 31 - 1, integer=True)
"""Up to 2^31 - 1, the largest value a spin box holds; the cloud adds its run index to it."""
CLOUD = Range("cloud size (paths)", 0, 1000, integer=True)
MAP_SIZE = Range("map size (cells per side)", 2, 1000, integer=True)
ANIMATION_WIDTH = Range("animation width in pixels", 100, 3840, integer=True)
ANIMATION_FPS = Range("animation frame rate", 1, 60, integer=True)
