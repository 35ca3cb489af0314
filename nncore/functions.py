"""Two-dimensional test functions for the path experiment, each with its analytic gradient.

The book's function is f(x, y) = x^2/20 + y^2 (key ``"book"``); the others are classic
optimisation benchmarks chosen to show different failure modes: a curved valley (Rosenbrock),
flat plateaus and a narrow valley (Beale), several equal minima (Himmelblau), a saddle point
that plain gradient descent cannot leave along y = 0, and many local minima (Rastrigin).

``f`` and ``gradient`` accept scalars or arrays of any (equal) shape and work element-wise, so
the same code evaluates a single point or a whole contour grid.
"""
from __future__ import annotations

from dataclasses import dataclass, replace
from functools import cached_property, lru_cache
from typing import Callable

import numpy as np

Bounds = tuple[float, float, float, float]
"""View rectangle (x_min, x_max, y_min, y_max)."""


@dataclass(frozen=True)
class TestFunction:
    """A 2D function f(x, y) with gradient, a view rectangle, a recommended start and its minima.

    ``contour_scale`` is ``"linear"`` or ``"log"``: the spacing of contour levels that shows the
    function best (log for functions whose values span many decades, like Rosenbrock).
    """

    __test__ = False  # not a pytest test class, despite the name

    key: str
    name: str
    formula: str
    f: Callable[[np.ndarray, np.ndarray], np.ndarray]
    gradient: Callable[[np.ndarray, np.ndarray], tuple[np.ndarray, np.ndarray]]
    bounds: Bounds
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    contour_scale: str = "linear"
    quadratic_form: tuple[float, float, float] | None = None
    """(lambda1, lambda2, theta in degrees) when f is exactly the quadratic
    1/2 (lambda1 u^2 + lambda2 v^2), (u, v) = R^T(theta) (x, y), whose closed-form rates
    :mod:`nncore.theory` knows; None for every other function."""
    hessian: Callable[[np.ndarray, np.ndarray], tuple[tuple, tuple]] | None = None
    """(x, y) -> ((f_xx, f_xy), (f_xy, f_yy)), analytic, element-wise like ``gradient``."""
    saddles: tuple[tuple[float, float], ...] = ()
    """Saddle points inside the view (stationary, Hessian of mixed sign)."""
    maxima: tuple[tuple[float, float], ...] = ()
    """Local maxima inside the view."""
    steps: int = 29
    """Default number of updates for this function's paths (the book plots 29)."""

    @cached_property
    def f_star(self) -> float | None:
        """The lowest value at the listed minima; None for a function without a minimum
        (computed once: the value plot asks for it at every redraw)."""
        return min(float(self.f(*m)) for m in self.minima) if self.minima else None

    def __call__(self, x, y):
        return self.f(x, y)


def _book(x, y):
    return x ** 2 / 20.0 + y ** 2


def _book_grad(x, y):
    return x / 10.0, 2.0 * y


def _book_hessian(x, y):
    zero = np.zeros_like(np.asarray(x, dtype=float))
    return (zero + 0.1, zero), (zero, zero + 2.0)


def _rosenbrock(x, y):
    return (1 - x) ** 2 + 100 * (y - x ** 2) ** 2


def _rosenbrock_grad(x, y):
    return -2 * (1 - x) - 400 * x * (y - x ** 2), 200 * (y - x ** 2)


def _rosenbrock_hessian(x, y):
    xy = -400 * x
    return (2 - 400 * (y - x ** 2) + 800 * x ** 2, xy), (xy, 200 + 0 * x)


def _beale_terms(x, y):
    return 1.5 - x + x * y, 2.25 - x + x * y ** 2, 2.625 - x + x * y ** 3


def _beale(x, y):
    a, b, c = _beale_terms(x, y)
    return a ** 2 + b ** 2 + c ** 2


def _beale_grad(x, y):
    a, b, c = _beale_terms(x, y)
    dx = 2 * a * (y - 1) + 2 * b * (y ** 2 - 1) + 2 * c * (y ** 3 - 1)
    dy = 2 * a * x + 2 * b * 2 * x * y + 2 * c * 3 * x * y ** 2
    return dx, dy


def _beale_hessian(x, y):
    a, b, c = _beale_terms(x, y)
    ax, bx, cx = y - 1, y ** 2 - 1, y ** 3 - 1
    ay, by, cy = x, 2 * x * y, 3 * x * y ** 2
    fxx = 2 * (ax ** 2 + bx ** 2 + cx ** 2)
    fxy = 2 * (ax * ay + a + bx * by + b * 2 * y + cx * cy + c * 3 * y ** 2)
    fyy = 2 * (ay ** 2 + by ** 2 + cy ** 2 + b * 2 * x + c * 6 * x * y)
    return (fxx, fxy), (fxy, fyy)


def _himmelblau(x, y):
    return (x ** 2 + y - 11) ** 2 + (x + y ** 2 - 7) ** 2


def _himmelblau_grad(x, y):
    u = x ** 2 + y - 11
    v = x + y ** 2 - 7
    return 4 * x * u + 2 * v, 2 * u + 4 * y * v


def _himmelblau_hessian(x, y):
    u = x ** 2 + y - 11
    v = x + y ** 2 - 7
    fxy = 4 * x + 4 * y
    return (8 * x ** 2 + 4 * u + 2, fxy), (fxy, 8 * y ** 2 + 4 * v + 2)


def _saddle(x, y):
    return x ** 2 - y ** 2


def _saddle_grad(x, y):
    return 2 * x, -2 * y


def _saddle_hessian(x, y):
    zero = np.zeros_like(np.asarray(x, dtype=float))
    return (zero + 2.0, zero), (zero, zero - 2.0)


def _rastrigin(x, y):
    return 20 + x ** 2 - 10 * np.cos(2 * np.pi * x) + y ** 2 - 10 * np.cos(2 * np.pi * y)


def _rastrigin_grad(x, y):
    return (2 * x + 20 * np.pi * np.sin(2 * np.pi * x),
            2 * y + 20 * np.pi * np.sin(2 * np.pi * y))


def _rastrigin_hessian(x, y):
    curvature = 2 * np.pi ** 2 * 20
    return ((2 + curvature * np.cos(2 * np.pi * x), 0 * x),
            (0 * y, 2 + curvature * np.cos(2 * np.pi * y)))


# Himmelblau's four minima (all f = 0), to the precision published for the function.
_HIMMELBLAU_MINIMA = ((3.0, 2.0), (-2.805118, 3.131312), (-3.779310, -3.283186),
                      (3.584428, -1.848126))
# Its four saddle points and its local maximum (Newton's method on the gradient, 6 decimals).
_HIMMELBLAU_SADDLES = ((3.385154, 0.073852), (0.086678, 2.884255), (-3.073026, -0.081353),
                       (-0.127961, -1.953715))
_HIMMELBLAU_MAXIMA = ((-0.270845, -0.923039),)

FUNCTIONS: dict[str, TestFunction] = {
    fn.key: fn for fn in (
        TestFunction("book", "Book: x\u00b2/20 + y\u00b2", "f(x, y) = x^2/20 + y^2",
                     _book, _book_grad, (-10.0, 10.0, -10.0, 10.0), (-7.0, 2.0), ((0.0, 0.0),),
                     quadratic_form=(0.1, 2.0, 0.0), hessian=_book_hessian),
        TestFunction("rosenbrock", "Rosenbrock", "f(x, y) = (1 - x)^2 + 100 (y - x^2)^2",
                     _rosenbrock, _rosenbrock_grad, (-2.0, 2.0, -1.0, 3.0), (-1.5, 2.5),
                     ((1.0, 1.0),), contour_scale="log", hessian=_rosenbrock_hessian, steps=200),
        TestFunction("beale", "Beale",
                     "f(x, y) = (1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
                     _beale, _beale_grad, (-4.5, 4.5, -4.5, 4.5), (1.0, 1.5), ((3.0, 0.5),),
                     contour_scale="log", hessian=_beale_hessian,
                     saddles=((0.0, 1.0), (0.100538, -2.644514)), steps=200),
        TestFunction("himmelblau", "Himmelblau", "f(x, y) = (x^2 + y - 11)^2 + (x + y^2 - 7)^2",
                     _himmelblau, _himmelblau_grad, (-5.0, 5.0, -5.0, 5.0), (0.0, -0.5),
                     _HIMMELBLAU_MINIMA, contour_scale="log", hessian=_himmelblau_hessian,
                     saddles=_HIMMELBLAU_SADDLES, maxima=_HIMMELBLAU_MAXIMA, steps=50),
        TestFunction("saddle", "Saddle: x\u00b2 - y\u00b2", "f(x, y) = x^2 - y^2",
                     _saddle, _saddle_grad, (-2.0, 2.0, -2.0, 2.0), (-1.5, 0.001), (),
                     hessian=_saddle_hessian, saddles=((0.0, 0.0),), steps=30),
        TestFunction("rastrigin", "Rastrigin",
                     "f(x, y) = 20 + x^2 - 10 cos(2 pi x) + y^2 - 10 cos(2 pi y)",
                     _rastrigin, _rastrigin_grad, (-5.12, 5.12, -5.12, 5.12), (-4.2, 3.3),
                     ((0.0, 0.0),), hessian=_rastrigin_hessian, steps=50),
    )
}
"""Key -> function, in the order a user interface should list them; ``"book"`` first."""

DEFAULT_FUNCTION = "book"


def get_function(key: str) -> TestFunction:
    """The test function registered as ``key``, or the quadratic a ``quadratic:L1,L2,THETA`` key
    describes (see :func:`quadratic_key`); ValueError lists the known keys otherwise."""
    if key.startswith(QUADRATIC + ":"):
        return quadratic(*_quadratic_parameters(key))
    try:
        return FUNCTIONS[key]
    except KeyError:
        raise ValueError(f"unknown function {key!r}; choose from {', '.join(FUNCTIONS)}") from None


# ---- the rotatable quadratic ------------------------------------------------------------------

QUADRATIC = "quadratic"
"""Registry key of the rotatable quadratic; its parameters live in the 2D settings."""
DEFAULT_QUADRATIC = (0.1, 2.0, 0.0)
"""(lambda1, lambda2, theta in degrees): the book's x^2/20 + y^2."""
QUADRATIC_START = (-7.0, 2.0)
"""The book's start, turned with the bowl to give the quadratic's recommended start."""


def _number_text(value: float) -> str:
    """The shortest text that reads back as ``value`` (2.0 -> '2', 0.1 -> '0.1')."""
    text = repr(float(value))
    return text[:-2] if text.endswith(".0") else text


def quadratic_key(lambda1: float, lambda2: float, theta: float) -> str:
    """The key naming one quadratic: ``"quadratic"`` for the default parameters, otherwise
    ``"quadratic:L1,L2,THETA"`` (exact float texts), which :func:`get_function` reads back."""
    values = (float(lambda1), float(lambda2), float(theta))
    if values == DEFAULT_QUADRATIC:
        return QUADRATIC
    return f"{QUADRATIC}:{','.join(_number_text(v) for v in values)}"


def _quadratic_parameters(key: str) -> tuple[float, float, float]:
    """(lambda1, lambda2, theta) from a ``quadratic:L1,L2,THETA`` key; ValueError if malformed."""
    parts = key.partition(":")[2].split(",")
    try:
        values = tuple(float(part) for part in parts)
    except ValueError:
        values = ()
    if len(values) != 3:
        raise ValueError(f"unknown function {key!r}: a quadratic key is quadratic:L1,L2,THETA")
    return values  # type: ignore[return-value]


def rotation(theta: float) -> np.ndarray:
    """R(theta), the counterclockwise rotation by ``theta`` degrees, shape (2, 2)."""
    radians = np.deg2rad(float(theta))
    c, s = np.cos(radians), np.sin(radians)
    return np.array([[c, -s], [s, c]])


@lru_cache(maxsize=64)
def quadratic(lambda1: float, lambda2: float, theta: float) -> TestFunction:
    """The quadratic f = 1/2 (lambda1 u^2 + lambda2 v^2) with (u, v) = R^T(theta) (x, y): a bowl
    with curvatures lambda1 > 0 along its long axis and lambda2 > 0 across, the long axis turned
    ``theta`` degrees counterclockwise from the x axis. Gradient R diag(lambda) (u, v); minimum 0
    at the origin; recommended start R(theta) (-7, 2). (0.1, 2, 0) is the book's x^2/20 + y^2
    (gradients equal to the book's to rounding). Cached: equal parameters give the same object.
    Raises ValueError unless both curvatures are finite and positive and theta is finite.
    """
    lambda1, lambda2, theta = float(lambda1), float(lambda2), float(theta)
    if not (np.isfinite(lambda1) and np.isfinite(lambda2) and lambda1 > 0 and lambda2 > 0):
        raise ValueError(f"the quadratic's curvatures must be positive numbers, got "
                         f"{lambda1:g} and {lambda2:g}")
    if not np.isfinite(theta):
        raise ValueError(f"the quadratic's angle must be a finite number, got {theta:g}")
    radians = np.deg2rad(theta)
    c, s = float(np.cos(radians)), float(np.sin(radians))

    def coordinates(x, y):
        return c * x + s * y, -s * x + c * y  # (u, v) = R^T (x, y)

    def f(x, y):
        u, v = coordinates(x, y)
        return 0.5 * (lambda1 * u ** 2 + lambda2 * v ** 2)

    def gradient(x, y):
        u, v = coordinates(x, y)
        gu, gv = lambda1 * u, lambda2 * v
        return c * gu - s * gv, s * gu + c * gv  # R (lambda1 u, lambda2 v)

    (hxx, hxy), (_, hyy) = rotation(theta) @ np.diag([lambda1, lambda2]) @ rotation(theta).T

    def hessian(x, y):
        ones = np.ones_like(np.asarray(x, dtype=float))
        return (hxx * ones, hxy * ones), (hxy * ones, hyy * ones)  # R diag(lambda) R^T

    start = tuple(float(v) for v in rotation(theta) @ np.array(QUADRATIC_START))
    return TestFunction(
        quadratic_key(lambda1, lambda2, theta),
        f"Quadratic \u03bb=({lambda1:g}, {lambda2:g}), \u03b8={theta:g}\u00b0",
        f"f = 1/2 ({lambda1:g} u^2 + {lambda2:g} v^2), (u, v) = R^T({theta:g} deg) (x, y)",
        f, gradient, (-10.0, 10.0, -10.0, 10.0), start, ((0.0, 0.0),),
        quadratic_form=(lambda1, lambda2, theta), hessian=hessian)


FUNCTIONS[QUADRATIC] = replace(quadratic(*DEFAULT_QUADRATIC),
                               name="Quadratic \u00bd(\u03bb\u2081u\u00b2 + \u03bb\u2082v\u00b2), rotatable")
"""Listed under a name without parameters: the 2D settings hold the curvatures and the angle."""
