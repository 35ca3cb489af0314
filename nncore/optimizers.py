"""Gradient-descent optimizers with the update rules of *Deep Learning from Scratch*, ch. 6.1.

Every optimizer works on a dict of NumPy arrays (``params``) and a dict of gradients with the
same keys and shapes (``grads``). ``update`` changes the arrays of ``params`` in place, so it works
for the 0-d arrays of the 2D path solver and the weight matrices of the network alike, and any
view of a parameter stays valid. ``reset`` forgets the state (velocities, accumulated squares,
step count) so the same object can start a new run.

The rules are the book's, with epsilon 1e-7 where the book adds one and Adam's bias correction
folded into the learning rate (``lr_t``). Each class declares its hyperparameters as
:class:`Hyperparameter` records so a user interface can build its inputs without knowing the class.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar, Mapping

import numpy as np

from .ranges import Range

EPSILON = 1e-7
"""Added to the denominator of the adaptive rules, as in the book."""

Params = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class Hyperparameter:
    """Declaration of one hyperparameter: what a spin box or a command-line flag needs.

    ``minimum``/``maximum`` bound the valid values (``*_inclusive`` says whether the bound itself
    is allowed), ``step`` is a sensible single-step increment, ``decimals`` the digits worth
    showing, and ``log_scale`` says that multiplicative steps (x10, /10) suit it better than
    additive ones, as for learning rates.
    """

    name: str
    default: float
    minimum: float
    maximum: float
    step: float
    decimals: int
    log_scale: bool = False
    minimum_inclusive: bool = False
    maximum_inclusive: bool = True
    description: str = ""

    @property
    def range(self) -> Range:
        """The valid values as a :class:`nncore.ranges.Range` (the one range logic of the app)."""
        return Range(self.name, self.minimum, self.maximum,
                     minimum_inclusive=self.minimum_inclusive,
                     maximum_inclusive=self.maximum_inclusive, log_scale=self.log_scale)

    def range_text(self) -> str:
        """The valid range in interval notation, e.g. ``(0, 10]``."""
        return self.range.text()

    def contains(self, value: float) -> bool:
        """True when ``value`` is a finite number inside the valid range."""
        return self.range.contains(value)

    def validate(self, value: float) -> float:
        """Return ``value`` as a float, or raise ValueError naming this hyperparameter and its
        range. Only numbers count: a string, a bool or None is refused, never converted.

        An array (any shape, for many runs at once: one value per run) is checked element by
        element and returned as a float64 array; the message names the first bad value.
        """
        if np.ndim(value) > 0:
            return self._validate_array(value)
        return self.range.check(value)

    def _validate_array(self, values) -> np.ndarray:
        """``values`` as a float64 array if every element is valid; ValueError otherwise."""
        try:
            array = np.array(values, dtype=float)
        except (TypeError, ValueError):
            raise ValueError(f"{self.name} must be numbers, got {values!r}") from None
        with np.errstate(invalid="ignore"):
            above = array >= self.minimum if self.minimum_inclusive else array > self.minimum
            below = array <= self.maximum if self.maximum_inclusive else array < self.maximum
        bad = ~(np.isfinite(array) & above & below)
        if bad.any():
            raise ValueError(f"{self.name} must be in {self.range_text()}, got "
                             f"{float(array[bad].flat[0])!r} ({int(bad.sum())} of {array.size} values)")
        return array


_LR_DESCRIPTION = "learning rate: the size of each step against the gradient"


def learning_rate(default: float) -> Hyperparameter:
    """The learning-rate declaration shared by every optimizer (log-scaled, in (0, 100])."""
    return Hyperparameter("lr", default, 0.0, 100.0, default / 10, 6, log_scale=True,
                          description=_LR_DESCRIPTION)


def decay(name: str, default: float, description: str) -> Hyperparameter:
    """A decay/momentum coefficient: valid in [0, 1), stepped by 0.01 (0.001 past 0.99)."""
    step = 0.001 if default >= 0.99 else 0.01
    return Hyperparameter(name, default, 0.0, 1.0, step, 4, minimum_inclusive=True,
                          maximum_inclusive=False, description=description)


class Optimizer:
    """Base class: validates hyperparameters from ``hyperparameters`` and keeps them as attributes.

    Subclasses set ``hyperparameters`` and implement ``update`` and ``reset``.
    """

    hyperparameters: ClassVar[tuple[Hyperparameter, ...]] = ()
    elementwise: ClassVar[bool] = True
    """True when ``update`` treats every coordinate alike, so the 2D solver may hand (x, y) over
    as one (2,) array (the same arithmetic, half the NumPy calls); False for rules that read the
    2D case from two 0-d parameters (Muon's 1 x 2 matrix)."""

    # Hyperparameters may be arrays (one value per run, broadcast against the parameters, which
    # then have the broadcast shape): the rules are element-wise, so one optimizer object runs a
    # whole grid of settings at once (nncore.sweeps).
    def __init__(self, **values: float) -> None:
        known = {hp.name: hp for hp in self.hyperparameters}
        unknown = sorted(set(values) - set(known))
        if unknown:
            raise ValueError(f"{type(self).__name__} has no hyperparameter {unknown[0]!r}; "
                             f"it has {', '.join(known)}")
        for name, hp in known.items():
            setattr(self, name, hp.validate(values.get(name, hp.default)))
        self._buffers: dict[tuple[str, str], np.ndarray] = {}
        self.reset()

    @classmethod
    def defaults(cls) -> dict[str, float]:
        """The book's default value of each hyperparameter, by name."""
        return {hp.name: hp.default for hp in cls.hyperparameters}

    def hyperparameter_values(self) -> dict[str, float]:
        """The current value of each hyperparameter, by name."""
        return {hp.name: getattr(self, hp.name) for hp in self.hyperparameters}

    def update(self, params: Params, grads: Params) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def reset(self) -> None:
        """Forget all state accumulated by ``update``."""

    counters: ClassVar[tuple[str, ...]] = ()
    """Names of the scalar attributes of the state (step counts such as Adam's ``iter``)."""

    def state_for(self, key: str) -> dict[str, np.ndarray | float]:
        """The optimizer's current state for parameter ``key``, by the book's attribute names:
        one array (shaped like the parameter) per per-coordinate slot such as Momentum's ``v``
        or AdaGrad's ``h``, and one number per counter such as Adam's ``iter``. Copies, so the
        caller may keep them; empty for stateless rules (SGD) and before the first update."""
        arrays = {slot: array.copy() for slot, array in self.state_views(key).items()}
        return {**arrays, **{name: float(getattr(self, name)) for name in self.counters}}

    def state_views(self, key: str) -> dict[str, np.ndarray]:
        """The per-coordinate slots of :meth:`state_for` (same names, same order) as the live
        arrays ``update`` changes in place, not copies: read them before the next update. Lets
        the 2D path solver record each step's state without copying it twice. A slot, once
        created, stays the same array until :meth:`reset`."""
        return {}

    def _scratch(self, slot: str, key: str, param: np.ndarray, grad: np.ndarray) -> np.ndarray:
        """A reusable work array ``slot`` for parameter ``key``: ``param``'s shape, and the dtype
        the formula's temporaries would have (that of param and grad combined).

        Its contents are garbage between calls: ``update`` writes each intermediate of its
        formula into these with ``out=``, in the formula's own order, so the arithmetic is the
        same as the plain expression without allocating a temporary per operation.
        """
        dtype = param.dtype  # np.result_type's answer when both have it, without its call
        if getattr(grad, "dtype", None) is not dtype:
            dtype = np.result_type(param, grad)
        array = self._buffers.get((slot, key))
        if array is None or array.shape != param.shape or array.dtype != dtype:
            array = self._buffers[(slot, key)] = np.empty(param.shape, dtype=dtype)
        return array

    display_name: ClassVar[str] = ""
    """The name a window shows, when it differs from the registry name (the class name)."""
    note: ClassVar[str] = ""
    """A remark a window shows with the optimizer (in its tooltip), e.g. how a rule differs."""
    path_note: ClassVar[str] = ""
    """A short remark for the legend of the 2D paths, where the rule acts differently there."""
    layerwise: ClassVar[bool] = False
    """True for rules that treat weight matrices unlike other parameters (Muon): ``update`` must
    get the network's parameters by layer ('W1', 'b1', ...), never one flat vector."""
    elementwise: ClassVar[bool] = True
    """False for rules that mix coordinates (norms, dot products over all parameters: Muon,
    Prodigy); on a grid of 2D cells (``cells``) they mix only each cell's own x and y."""
    cells: bool = False
    """True when every element of the parameter arrays is a separate 2D run (the cells of a grid,
    set by ``nncore.sweeps.run_many``): a rule that mixes coordinates then mixes element i of
    every parameter (one cell's x and y) and never different elements."""

    def evaluation_point(self, key: str, param: np.ndarray) -> np.ndarray:
        """Where the model is evaluated for parameter ``key`` whose training value is ``param``:
        ``param`` itself, except for rules that take gradients at another point than they
        report (Schedule-Free's x)."""
        return param

    def __repr__(self) -> str:
        args = ", ".join(f"{k}={v:g}" if np.ndim(v) == 0 else f"{k}=<array {np.shape(v)}>"
                         for k, v in self.hyperparameter_values().items())
        return f"{type(self).__name__}({args})"


class _Stateful(Optimizer):
    """An optimizer that keeps one or more arrays per parameter, created on first use."""

    def reset(self) -> None:
        self.state: dict[str, dict[str, np.ndarray]] = {}

    def state_views(self, key: str) -> dict[str, np.ndarray]:
        return {slot: values[key] for slot, values in self.state.items() if key in values}

    def _slot(self, slot: str, key: str, like: np.ndarray) -> np.ndarray:
        """The zero-initialised state array ``slot`` for parameter ``key`` (shape of ``like``)."""
        arrays = self.state.setdefault(slot, {})
        array = arrays.get(key)
        if array is None:
            array = arrays[key] = np.zeros_like(like)
        return array


def _velocity_step(v: np.ndarray, g: np.ndarray, momentum: float, lr: float,
                   scratch: np.ndarray) -> None:
    """The heavy-ball velocity in place: v <- momentum * v - lr * dW (``scratch``: any array of
    v's shape, overwritten)."""
    v *= momentum
    np.multiply(g, lr, out=scratch)  # lr * dW
    v -= scratch


def _nesterov_step(p: np.ndarray, v: np.ndarray, g: np.ndarray, momentum: float, lr: float,
                   scratch: np.ndarray) -> None:
    """Nesterov's parameter step in place: W <- W + momentum^2 * v - (1 + momentum) * lr * dW
    (``scratch`` overwritten)."""
    np.multiply(v, momentum * momentum, out=scratch)  # momentum^2 * v
    p += scratch
    np.multiply(g, (1 + momentum) * lr, out=scratch)  # (1 + momentum) * lr * dW
    p -= scratch


class SGD(Optimizer):
    """Stochastic gradient descent: W <- W - lr * dW."""

    hyperparameters = (learning_rate(0.01),)

    def update(self, params: Params, grads: Params) -> None:
        for key, p in params.items():
            step = self._scratch("step", key, p, grads[key])
            np.multiply(grads[key], self.lr, out=step)  # lr * dW
            p -= step


class Momentum(_Stateful):
    """Momentum SGD: v <- momentum * v - lr * dW;  W <- W + v."""

    hyperparameters = (learning_rate(0.01),
                       decay("momentum", 0.9, "fraction of the previous velocity kept each step"))

    def update(self, params: Params, grads: Params) -> None:
        for key, p in params.items():
            v = self._slot("v", key, p)
            _velocity_step(v, grads[key], self.momentum, self.lr, self._scratch("step", key, p, grads[key]))
            p += v


class Nesterov(_Stateful):
    """Nesterov's accelerated gradient as the book's author now writes it (``common/optimizer.py``
    after the commit "Fix Nesterov update function", 2021-01-18): the step first, then the velocity,

    W <- W + momentum^2 * v - (1 + momentum) * lr * dW;  v <- momentum * v - lr * dW.

    This is standard Nesterov momentum, equal to ``torch.optim.SGD(momentum=momentum,
    nesterov=True)`` at a constant learning rate (with v = -lr * PyTorch's momentum buffer).
    The book's 2016 rule is :class:`Nesterov2016`.
    """

    hyperparameters = (learning_rate(0.01),
                       decay("momentum", 0.9, "fraction of the previous velocity kept each step"))
    velocity_first = False
    """True for :class:`Nesterov2016`: v is updated before the step, which then uses the new v."""

    def update(self, params: Params, grads: Params) -> None:
        m = self.momentum
        for key, p in params.items():
            v = self._slot("v", key, p)
            g = grads[key]
            step = self._scratch("step", key, p, g)
            if self.velocity_first:
                _velocity_step(v, g, m, self.lr, step)
            _nesterov_step(p, v, g, m, self.lr, step)
            if not self.velocity_first:
                _velocity_step(v, g, m, self.lr, step)


class Nesterov2016(Nesterov):
    """Nesterov as the book printed it in 2016 (before its author's 2021 fix): v first, then the
    step with the new v,

    v <- momentum * v - lr * dW;  W <- W + momentum^2 * v - (1 + momentum) * lr * dW,

    which expands to W <- W + momentum^3 * v_old - (1 + momentum + momentum^2) * lr * dW: a larger
    gradient step than Nesterov's method takes (2.71 lr instead of 1.9 lr at momentum 0.9).
    """

    display_name = "Nesterov (book 2016)"
    note = ("The book's 2016 rule: W += m\u00b3\u00b7v \u2212 (1 + m + m\u00b2)\u00b7lr\u00b7dW. "
            "Nesterov (fixed 2021): W += m\u00b2\u00b7v \u2212 (1 + m)\u00b7lr\u00b7dW, then v = m\u00b7v \u2212 lr\u00b7dW.")
    velocity_first = True


class AdaGrad(_Stateful):
    """AdaGrad: h <- h + dW^2;  W <- W - lr * dW / (sqrt(h) + 1e-7)."""

    hyperparameters = (learning_rate(0.01),)

    def update(self, params: Params, grads: Params) -> None:
        for key, p in params.items():
            h = self._slot("h", key, p)
            g = grads[key]
            square = self._scratch("step", key, p, g)
            np.multiply(g, g, out=square)
            h += square
            _adaptive_step(p, g, h, self.lr, square, self._scratch("root", key, h, h))


class RMSprop(_Stateful):
    """RMSprop: h <- decay_rate * h + (1 - decay_rate) * dW^2;  W <- W - lr * dW / (sqrt(h) + 1e-7)."""

    hyperparameters = (learning_rate(0.01),
                       decay("decay_rate", 0.99, "fraction of the squared-gradient average kept"))

    def update(self, params: Params, grads: Params) -> None:
        for key, p in params.items():
            h = self._slot("h", key, p)
            g = grads[key]
            square = self._scratch("step", key, p, g)
            h *= self.decay_rate
            np.multiply(g, 1 - self.decay_rate, out=square)  # (1 - decay_rate) * dW * dW
            square *= g
            h += square
            _adaptive_step(p, g, h, self.lr, square, self._scratch("root", key, h, h))


class Adam(_Stateful):
    """Adam (Kingma & Ba) in the book's form, bias correction folded into the step size:

    t <- t + 1;  lr_t = lr * sqrt(1 - beta2^t) / (1 - beta1^t)
    m <- m + (1 - beta1) (dW - m);  v <- v + (1 - beta2) (dW^2 - v)
    W <- W - lr_t * m / (sqrt(v) + 1e-7)
    """

    hyperparameters = (learning_rate(0.001),
                       decay("beta1", 0.9, "decay of the running mean of the gradient"),
                       decay("beta2", 0.999, "decay of the running mean of the squared gradient"))

    counters = ("iter",)

    def reset(self) -> None:
        super().reset()
        self.iter = 0

    def _step_size(self) -> float:
        """Advance the step count and return lr_t (the bias-corrected learning rate)."""
        self.iter += 1
        t = self.iter
        root = np.sqrt(1.0 - self.beta2 ** t)  # an array when beta2 is one (one value per run)
        if np.ndim(root) == 0:
            root = float(root)  # a Python float keeps float32 parameters' arithmetic in float32
        return self.lr * root / (1.0 - self.beta1 ** t)

    def _adam_step(self, key: str, p: np.ndarray, g: np.ndarray, lr_t: float) -> None:
        m = self._slot("m", key, p)
        v = self._slot("v", key, p)
        work = self._scratch("step", key, p, g)
        np.subtract(g, m, out=work)  # (1 - beta1) * (dW - m)
        work *= 1 - self.beta1
        m += work
        np.multiply(g, g, out=work)  # (1 - beta2) * (dW^2 - v)
        work -= v
        work *= 1 - self.beta2
        v += work
        _adaptive_step(p, m, v, lr_t, self._scratch("step", key, m, m), self._scratch("root", key, v, v))

    def update(self, params: Params, grads: Params) -> None:
        lr_t = self._step_size()
        for key, p in params.items():
            self._adam_step(key, p, grads[key], lr_t)


class AdamW(Adam):
    """AdamW (Loshchilov & Hutter, "Decoupled Weight Decay Regularization"): the Adam step above,
    preceded by a weight decay that does not pass through the adaptive scaling:

    W <- W - lr * weight_decay * W, then the Adam update of W.
    """

    hyperparameters = Adam.hyperparameters + (
        Hyperparameter("weight_decay", 0.01, 0.0, 1.0, 0.001, 4, minimum_inclusive=True,
                       description="decoupled weight decay: W shrinks by lr * weight_decay * W"),
    )

    def update(self, params: Params, grads: Params) -> None:
        lr_t = self._step_size()
        shrink = self.lr * self.weight_decay
        for key, p in params.items():
            if nonzero(shrink):  # shrink is an array when lr or weight_decay is one
                decay = self._scratch("decay", key, p, p)
                np.multiply(p, shrink, out=decay)
                p -= decay
            self._adam_step(key, p, grads[key], lr_t)


def nonzero(value) -> bool:
    """``np.any(value)`` for a hyperparameter or coefficient: one number or an array of one value
    per run. A Python float (the usual case) skips NumPy's call, which costs more than the
    2D path's whole arithmetic of a step."""
    if isinstance(value, float):  # a Python float or a NumPy float64 scalar
        return bool(value != 0.0)
    return bool(np.any(value))


def _adaptive_step(p: np.ndarray, direction: np.ndarray, square: np.ndarray, lr: float,
                   work: np.ndarray, root: np.ndarray) -> None:
    """p <- p - lr * direction / (sqrt(square) + 1e-7), evaluated in that order into the work
    arrays ``work`` and ``root`` (the shared last line of AdaGrad, RMSprop and Adam)."""
    np.multiply(direction, lr, out=work)
    np.sqrt(square, out=root)
    root += EPSILON
    work /= root
    p -= work


OPTIMIZERS: dict[str, type[Optimizer]] = {
    cls.__name__: cls for cls in (SGD, Momentum, Nesterov, AdaGrad, RMSprop, Adam, AdamW, Nesterov2016)
}
"""Display name -> class, in the order a user interface should list them."""

BOOK_OPTIMIZERS: tuple[str, ...] = ("SGD", "Momentum", "AdaGrad", "Adam")
"""The four optimizers the book compares."""

BOOK_PATH_LEARNING_RATES: dict[str, float] = {
    "SGD": 0.95, "Momentum": 0.1, "AdaGrad": 1.5, "Adam": 0.3,
    # Not in the book; chosen so each shows its character on x^2/20 + y^2 from (-7, 2):
    # Nesterov with Momentum's rate overshoots less; RMSprop, like AdaGrad, takes equal-sized
    # steps in x and y, but keeps a constant step size; AdamW matches Adam (the decay is tiny here).
    "Nesterov": 0.1, "RMSprop": 0.3, "AdamW": 0.3,
    # The 2016 rule at Nesterov's rate, so the two paths show the difference of the rules.
    "Nesterov2016": 0.1,
}
"""Learning rates for the 2D paths: the book's figure 6-8 for its four, ours for the rest."""


def create(name: str, **values: float) -> Optimizer:
    """Instantiate the registered optimizer ``name`` with the given hyperparameters.

    Raises ValueError naming the unknown optimizer and listing the known ones.
    """
    try:
        cls = OPTIMIZERS[name]
    except KeyError:
        raise ValueError(f"unknown optimizer {name!r}; choose from {', '.join(OPTIMIZERS)}") from None
    return cls(**values)


def path_defaults(name: str) -> dict[str, float]:
    """Hyperparameters for the 2D task: the class defaults with the path learning rate."""
    values = OPTIMIZERS[name].defaults()
    values["lr"] = BOOK_PATH_LEARNING_RATES[name]
    return values


# The optimizers newer than the book live in their own module, which adds them to OPTIMIZERS
# and BOOK_PATH_LEARNING_RATES; imported last because it builds on the classes above.
from . import optimizers_recent  # noqa: E402,F401
