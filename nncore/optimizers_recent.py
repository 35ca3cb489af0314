"""Optimizers newer than the book: NAdam, RAdam, Adamax, Adadelta, AdaBelief, Lion, Muon,
Schedule-Free AdamW and Prodigy.

They follow the contract of :mod:`nncore.optimizers` (``update(params, grads)`` in place,
``reset``, declared :class:`~nncore.optimizers.Hyperparameter` records, per-coordinate state in
``_Stateful`` slots and scalar counters in ``counters``) and register themselves in
``nncore.optimizers.OPTIMIZERS`` and ``BOOK_PATH_LEARNING_RATES`` when this module is imported,
which ``nncore.optimizers`` does at its end: import either module and the registry is complete.

Each rule is the one of its reference implementation (PyTorch's ``torch.optim`` where PyTorch has
the optimizer), with that reference's defaults. epsilon is the book's 1e-7 where it only guards
a division (PyTorch's default is 1e-8); it keeps the reference's value where the value shapes
the rule: Adadelta's 1e-6 (inside both square roots, it sets the first steps' size), AdaBelief's
1e-16 (added to s every step) and the 1e-10 of Muon's AdamW. Hyperparameters may be NumPy arrays
of one value per cell (a grid of 2D runs) for the elementwise rules: the formulas use NumPy
functions only (:func:`_coefficient` keeps single values as Python floats, so float32 parameters
stay float32).
"""
from __future__ import annotations

import math
import re

import numpy as np

from . import optimizers as _base
from .optimizers import Hyperparameter, Params, _Stateful, decay, learning_rate, nonzero

EPSILON = _base.EPSILON
"""The book's 1e-7, for the rules whose epsilon only guards a division."""


def _coefficient(value):
    """A step coefficient computed from hyperparameters: a Python float when it is one number,
    else the array (one value per cell of a grid of 2D runs)."""
    if isinstance(value, float):  # a Python float or a NumPy float64 scalar
        return float(value)
    return float(value) if np.ndim(value) == 0 else value


def _is_scalar_run(optimizer: _base.Optimizer, params: Params, hyperparameters: tuple[str, ...]) -> bool:
    """True when ``params`` are 0-d float64 arrays of one run (not ``cells``), as the 2D path
    solver's x and y, and the named hyperparameters single numbers: the case a rule may compute
    in Python floats (a NumPy call per operation on a 0-d array costs more than the arithmetic)."""
    return (not optimizer.cells
            and all(p.shape == () and p.dtype == np.float64 for p in params.values())
            and all(isinstance(value, float) or np.ndim(value) == 0
                    for value in (getattr(optimizer, name) for name in hyperparameters)))


def _weight_decay(default: float, description: str) -> Hyperparameter:
    """A weight-decay coefficient in [0, 1]."""
    return Hyperparameter("weight_decay", default, 0.0, 1.0, 0.001, 4, minimum_inclusive=True,
                          description=description)


_L2_DECAY = "L2 penalty: weight_decay * W is added to the gradient"
_DECOUPLED_DECAY = "decoupled weight decay: W shrinks by lr * weight_decay * W each step"
_BETA1 = "decay of the running mean of the gradient"
_BETA2 = "decay of the running mean of the squared gradient"


def _adam_moments(optimizer: _Stateful, key: str, p: np.ndarray, dW: np.ndarray):
    """The L2-decayed gradient and Adam's two moments of one parameter, updated in place:

    g = dW + weight_decay * W;  m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2.

    Returns (g, m, v); m and v are the optimizer's slots of ``key``."""
    g = dW + optimizer.weight_decay * p if nonzero(optimizer.weight_decay) else dW
    m = optimizer._slot("m", key, p)
    v = optimizer._slot("v", key, p)
    m += (1.0 - optimizer.beta1) * (g - m)
    v *= optimizer.beta2
    v += (1.0 - optimizer.beta2) * g * g
    return g, m, v


class NAdam(_Stateful):
    """NAdam: Adam with Nesterov momentum (Dozat, "Incorporating Nesterov Momentum into Adam",
    ICLR 2016 workshop); reference ``torch.optim.NAdam`` (defaults lr 0.002, betas (0.9, 0.999),
    momentum_decay 0.004, weight_decay 0):

    g <- dW + weight_decay * W;  t <- t + 1
    mu_t = beta1 (1 - 0.5 * 0.96^(t * momentum_decay));  prod_t = mu_1 ... mu_t
    m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2
    denom = sqrt(v / (1 - beta2^t)) + eps
    W <- W - lr (1 - mu_t) / (1 - prod_t) * g / denom - lr mu_(t+1) / (1 - prod_t mu_(t+1)) * m / denom
    """

    hyperparameters = (learning_rate(0.002), decay("beta1", 0.9, _BETA1), decay("beta2", 0.999, _BETA2),
                       Hyperparameter("momentum_decay", 0.004, 0.0, 1.0, 0.001, 4, minimum_inclusive=True,
                                      description="how fast the momentum coefficient mu_t rises to beta1"),
                       _weight_decay(0.0, _L2_DECAY))
    counters = ("iter", "mu_product")

    def reset(self) -> None:
        super().reset()
        self.iter = 0
        self.mu_product = 1.0

    def update(self, params: Params, grads: Params) -> None:
        self.iter += 1
        t = self.iter
        mu = self.beta1 * (1.0 - 0.5 * np.power(0.96, t * self.momentum_decay))
        mu_next = self.beta1 * (1.0 - 0.5 * np.power(0.96, (t + 1) * self.momentum_decay))
        self.mu_product = self.mu_product * mu
        grad_scale = _coefficient(self.lr * (1.0 - mu) / (1.0 - self.mu_product))
        momentum_scale = _coefficient(self.lr * mu_next / (1.0 - self.mu_product * mu_next))
        correction = _coefficient(1.0 - np.power(self.beta2, t))
        for key, p in params.items():
            g, m, v = _adam_moments(self, key, p, grads[key])
            denom = np.sqrt(v / correction) + EPSILON
            p -= grad_scale * g / denom
            p -= momentum_scale * m / denom


class RAdam(_Stateful):
    """RAdam: Adam with the variance of its adaptive step rectified (Liu et al., "On the Variance
    of the Adaptive Learning Rate and Beyond", ICLR 2020); reference ``torch.optim.RAdam``
    (defaults lr 0.001, betas (0.9, 0.999), weight_decay 0):

    g <- dW + weight_decay * W;  t <- t + 1
    m <- beta1 m + (1 - beta1) g;  v <- beta2 v + (1 - beta2) g^2;  m_hat = m / (1 - beta1^t)
    rho_inf = 2 / (1 - beta2) - 1;  rho_t = rho_inf - 2 t beta2^t / (1 - beta2^t)
    if rho_t > 5 (PyTorch's threshold; the paper's is 4):
        r_t = sqrt((rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t))
        W <- W - lr m_hat r_t sqrt(1 - beta2^t) / (sqrt(v) + eps)
    else (the un-adapted step: the first five at beta2 = 0.999):  W <- W - lr m_hat
    """

    hyperparameters = (learning_rate(0.001), decay("beta1", 0.9, _BETA1), decay("beta2", 0.999, _BETA2),
                       _weight_decay(0.0, _L2_DECAY))
    counters = ("iter",)
    THRESHOLD = 5.0
    """rho_t above which the step is adapted (PyTorch's)."""

    def reset(self) -> None:
        super().reset()
        self.iter = 0

    def rho(self, t: int, beta2_t=None):
        """rho_t, the length of the approximated simple moving average after t steps
        (``beta2_t``: beta2^t when the caller has it already)."""
        rho_inf = 2.0 / (1.0 - self.beta2) - 1.0
        if beta2_t is None:
            beta2_t = np.power(self.beta2, t)
        return rho_inf - 2.0 * t * beta2_t / (1.0 - beta2_t)

    @staticmethod
    def _ratio(rho_t, rho_inf):
        """r_t^2 = (rho_t - 4)(rho_t - 2) rho_inf / ((rho_inf - 4)(rho_inf - 2) rho_t)."""
        return (rho_t - 4) * (rho_t - 2) * rho_inf / ((rho_inf - 4) * (rho_inf - 2) * rho_t)

    def update(self, params: Params, grads: Params) -> None:
        self.iter += 1
        t = self.iter
        rho_inf = 2.0 / (1.0 - self.beta2) - 1.0
        beta2_t = np.power(self.beta2, t)
        rho_t = self.rho(t, beta2_t)
        if np.ndim(rho_t) == 0:  # one run: a number, no masking (the ratio only where adapted)
            adapted = everywhere = bool(rho_t > self.THRESHOLD)
            rect = math.sqrt(self._ratio(rho_t, rho_inf)) if adapted else 1.0
        else:
            adapted = rho_t > self.THRESHOLD
            everywhere = bool(np.all(adapted))
            with np.errstate(invalid="ignore", divide="ignore"):
                rect = np.sqrt(np.where(adapted, self._ratio(rho_t, rho_inf), 1.0))
        momentum_scale = _coefficient(self.lr / (1.0 - np.power(self.beta1, t)))
        adaptive_scale = _coefficient(rect * np.sqrt(1.0 - beta2_t))
        for key, p in params.items():
            g, m, v = _adam_moments(self, key, p, grads[key])
            step = m * momentum_scale
            if everywhere:
                step *= adaptive_scale / (np.sqrt(v) + EPSILON)
            elif nonzero(adapted):
                step = np.where(adapted, step * adaptive_scale / (np.sqrt(v) + EPSILON), step)
            p -= step


class Adamax(_Stateful):
    """Adamax: Adam with the infinity norm (Kingma & Ba, "Adam", ICLR 2015, section 7.1);
    reference ``torch.optim.Adamax`` (defaults lr 0.002, betas (0.9, 0.999), weight_decay 0):

    g <- dW + weight_decay * W;  t <- t + 1
    m <- beta1 m + (1 - beta1) g;  u <- max(beta2 u, |g| + eps)
    W <- W - lr / (1 - beta1^t) * m / u
    """

    hyperparameters = (learning_rate(0.002), decay("beta1", 0.9, _BETA1),
                       decay("beta2", 0.999, "decay of the running maximum of |gradient|"),
                       _weight_decay(0.0, _L2_DECAY))
    counters = ("iter",)

    def reset(self) -> None:
        super().reset()
        self.iter = 0

    def update(self, params: Params, grads: Params) -> None:
        self.iter += 1
        scale = _coefficient(self.lr / (1.0 - np.power(self.beta1, self.iter)))
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p if nonzero(self.weight_decay) else grads[key]
            m = self._slot("m", key, p)
            u = self._slot("u", key, p)
            m += (1.0 - self.beta1) * (g - m)
            u *= self.beta2
            np.maximum(u, np.abs(g) + EPSILON, out=u)
            p -= scale * m / u


class Adadelta(_Stateful):
    """Adadelta (Zeiler, "ADADELTA: An Adaptive Learning Rate Method", 2012); reference
    ``torch.optim.Adadelta`` (defaults lr 1.0, rho 0.9, eps 1e-6, weight_decay 0; eps is the
    paper's and PyTorch's 1e-6, as it sets the size of the first steps):

    g <- dW + weight_decay * W
    h <- rho h + (1 - rho) g^2;  delta = sqrt(u + eps) / sqrt(h + eps) * g
    u <- rho u + (1 - rho) delta^2;  W <- W - lr * delta
    """

    hyperparameters = (learning_rate(1.0),
                       decay("rho", 0.9, "decay of the running means of squared gradients and steps"),
                       _weight_decay(0.0, _L2_DECAY))
    EPSILON = 1e-6

    def update(self, params: Params, grads: Params) -> None:
        for key, p in params.items():
            g = grads[key] + self.weight_decay * p if nonzero(self.weight_decay) else grads[key]
            h = self._slot("h", key, p)
            u = self._slot("u", key, p)
            h *= self.rho
            h += (1.0 - self.rho) * g * g
            delta = np.sqrt(u + self.EPSILON) / np.sqrt(h + self.EPSILON) * g
            u *= self.rho
            u += (1.0 - self.rho) * delta * delta
            p -= self.lr * delta


class AdaBelief(_Stateful):
    """AdaBelief: Adam whose step is scaled by the belief in the gradient, the running variance
    of g around its mean m instead of g^2 (Zhuang et al., NeurIPS 2020, Algorithm 2); reference
    ``adabelief-pytorch`` 0.2.1 with its defaults (lr 0.001, betas (0.9, 0.999), eps 1e-16,
    decoupled weight decay 0) and ``rectify=False`` (the paper's rule; the rectified variant is
    RAdam's idea, which :class:`RAdam` shows):

    W <- W (1 - lr weight_decay);  t <- t + 1
    m <- beta1 m + (1 - beta1) g;  s <- beta2 s + (1 - beta2) (g - m)^2 + eps  (eps enters s
    every step, as the reference adds it in place)
    W <- W - lr / (1 - beta1^t) * m / (sqrt(s) / sqrt(1 - beta2^t) + eps)
    """

    hyperparameters = (learning_rate(0.001), decay("beta1", 0.9, _BETA1),
                       decay("beta2", 0.999, "decay of the running variance of the gradient around m"),
                       _weight_decay(0.0, _DECOUPLED_DECAY))
    counters = ("iter",)
    EPSILON = 1e-16

    def reset(self) -> None:
        super().reset()
        self.iter = 0

    def update(self, params: Params, grads: Params) -> None:
        self.iter += 1
        t = self.iter
        step_size = _coefficient(self.lr / (1.0 - np.power(self.beta1, t)))
        root_correction = _coefficient(np.sqrt(1.0 - np.power(self.beta2, t)))
        shrink = _coefficient(1.0 - self.lr * self.weight_decay)
        for key, p in params.items():
            g = grads[key]
            m = self._slot("m", key, p)
            s = self._slot("s", key, p)
            if nonzero(self.weight_decay):
                p *= shrink
            m *= self.beta1
            m += (1.0 - self.beta1) * g
            residual = g - m
            s *= self.beta2
            s += (1.0 - self.beta2) * residual * residual
            s += self.EPSILON
            p -= step_size * m / (np.sqrt(s) / root_correction + self.EPSILON)


class Lion(_Stateful):
    """Lion, EvoLved Sign Momentum (Chen et al., "Symbolic Discovery of Optimization
    Algorithms", 2023, Program 1); reference ``lion-pytorch`` (lucidrains), defaults lr 1e-4,
    betas (0.9, 0.99), weight_decay 0:

    W <- W (1 - lr weight_decay)
    W <- W - lr * sign(beta1 m + (1 - beta1) dW);  m <- beta2 m + (1 - beta2) dW

    Every coordinate with a non-zero direction moves by exactly lr per step.
    """

    hyperparameters = (learning_rate(1e-4),
                       decay("beta1", 0.9, "weight of the momentum in the sign of this step"),
                       decay("beta2", 0.99, "decay of the momentum"),
                       _weight_decay(0.0, _DECOUPLED_DECAY))

    def update(self, params: Params, grads: Params) -> None:
        shrink = _coefficient(1.0 - self.lr * self.weight_decay)
        for key, p in params.items():
            g = grads[key]
            m = self._slot("m", key, p)
            if nonzero(self.weight_decay):
                p *= shrink
            p -= self.lr * np.sign(self.beta1 * m + (1.0 - self.beta1) * g)
            m *= self.beta2
            m += (1.0 - self.beta2) * g


NEWTON_SCHULZ_COEFFICIENTS = (3.4445, -4.7750, 2.0315)
"""(a, b, c) of Muon's quintic iteration X <- a X + (b A + c A^2) X with A = X X^T."""


def newton_schulz(matrix: np.ndarray, steps: int = 5) -> np.ndarray:
    """Muon's approximate orthogonalisation of a (rows, cols) matrix G: about U V^T of its SVD
    U S V^T, with singular values brought into roughly [0.7, 1.2] rather than exactly 1.

    X = G / (||G||_F + 1e-7) (transposed first when rows > cols, so X X^T is the small Gram
    matrix), then ``steps`` times X <- a X + (b A + c A^2) X with A = X X^T and the
    coefficients :data:`NEWTON_SCHULZ_COEFFICIENTS`. Runs in the matrix's own dtype (the
    reference uses bfloat16). A stack of matrices (..., rows, cols) is orthogonalised matrix by
    matrix, each with the arithmetic it has alone. Returns a new array of the input's shape.
    """
    a, b, c = NEWTON_SCHULZ_COEFFICIENTS
    tall = matrix.shape[-2] > matrix.shape[-1]
    x = np.swapaxes(matrix, -1, -2) if tall else matrix
    x = x / (np.linalg.norm(x, axis=(-2, -1), keepdims=True) + 1e-7)
    for _ in range(steps):
        gram = x @ np.swapaxes(x, -1, -2)
        x = a * x + (b * gram + c * gram @ gram) @ x
    return np.swapaxes(x, -1, -2) if tall else x


def newton_schulz_pair(u0: float, u1: float, steps: int = 5) -> tuple[float, float]:
    """:func:`newton_schulz` of the 1 x 2 matrix (u0, u1) in Python floats, the same operations
    in the same order (a test checks the bits): X = (u0, u1) / (sqrt(u0^2 + u1^2) + 1e-7), then
    ``steps`` times A = x0^2 + x1^2 (X X^T, 1 x 1) and X <- a X + (b A + (c A) A) X. A NumPy
    call per operation on a 1 x 2 matrix costs far more than the arithmetic: this is the 2D
    paths' Muon step, once per step."""
    a, b, c = NEWTON_SCHULZ_COEFFICIENTS
    scale = math.sqrt(u0 * u0 + u1 * u1) + 1e-7
    x0, x1 = u0 / scale, u1 / scale
    for _ in range(steps):
        gram = x0 * x0 + x1 * x1
        factor = b * gram + c * gram * gram
        x0, x1 = a * x0 + factor * x0, a * x1 + factor * x1
    return x0, x1


_WEIGHT_KEY = re.compile(r"W(\d+)$")


class Muon(_Stateful):
    """Muon, MomentUm Orthogonalized by Newton-Schulz (Jordan et al., 2024, "Muon: An optimizer
    for hidden layers in neural networks"); reference ``github.com/KellerJordan/Muon``
    (``MuonWithAuxAdam``), defaults lr 0.02, momentum 0.95, weight_decay 0, and for the other
    parameters AdamW with lr 3e-4, betas (0.9, 0.95), eps 1e-10.

    Hidden weight matrices (every 'W<i>' but the first and the last layer's), with Nesterov momentum:
        B <- momentum B + (1 - momentum) dW;  U = (1 - momentum) dW + momentum B
        W <- W (1 - lr weight_decay) - lr * sqrt(max(1, out / in)) * newton_schulz(U)
    (the reference's factor sqrt(max(1, rows / cols)) is written for PyTorch's (out, in) weights;
    nncore's W is (in, out), so out / in is cols / rows here). Every other parameter (biases,
    first and last layer weights) takes the reference's AdamW step:
        m <- lerp(m, dW, 1 - beta1);  v <- lerp(v, dW^2, 1 - beta2)
        W <- W (1 - adam_lr weight_decay) - adam_lr * m_hat / (sqrt(v_hat) + 1e-10)
    On the 2D functions, where every parameter is a number, (x, y) is one 1 x 2 matrix: Newton-
    Schulz then rescales the momentum vector to about unit length (normalised momentum). On a
    grid of 2D runs (``cells``) each cell's (x, y) is its own 1 x 2 matrix.
    """

    hyperparameters = (learning_rate(0.02),
                       decay("momentum", 0.95, "decay of the momentum of the hidden weight matrices"),
                       _weight_decay(0.0, "decoupled weight decay of every parameter"),
                       Hyperparameter("adam_lr", 3e-4, 0.0, 100.0, 3e-5, 6, log_scale=True,
                                      description="learning rate of the AdamW step of biases, "
                                                  "first and last layer weights"),
                       decay("beta1", 0.9, "AdamW's decay of the running mean of the gradient"),
                       decay("beta2", 0.95, "AdamW's decay of the running mean of the squared gradient"))
    counters = ("iter",)
    layerwise = True
    elementwise = False
    path_note = "(x, y) as one 1\u00d72 matrix: normalised momentum"
    elementwise = False  # the 2D case is recognised by its two 0-d parameters
    note = ("On the 2D functions (x, y) is one 1\u00d72 matrix: Muon's orthogonalisation makes "
            "it normalised momentum (steps of 0.7 to 1.2 lr).")
    ADAM_EPSILON = 1e-10
    NS_STEPS = 5

    def reset(self) -> None:
        super().reset()
        self.iter = 0

    @staticmethod
    def hidden_matrices(params: Params) -> list[str]:
        """Keys of the hidden weight matrices: 2-D 'W<i>' other than the lowest and highest i."""
        layers = {int(match.group(1)): key for key in params
                  if (match := _WEIGHT_KEY.fullmatch(key)) and np.ndim(params[key]) == 2}
        if len(layers) < 3:
            return []
        return [layers[i] for i in sorted(layers)[1:-1]]

    def update(self, params: Params, grads: Params) -> None:
        self.iter += 1
        if self.cells or (params and all(np.ndim(p) == 0 for p in params.values())):
            self._muon_step(list(params), params, grads)
            return
        hidden = self.hidden_matrices(params)
        for key in hidden:
            self._muon_step([key], params, grads)
        for key, p in params.items():
            if key not in hidden:
                self._adam_step(key, p, grads[key])

    def _muon_step(self, keys: list[str], params: Params, grads: Params) -> None:
        """One Muon step of the matrix ``params[keys[0]]``, or of the 1 x n matrix made of the
        numbers ``params[k]`` for k in ``keys`` (the 2D case; one such matrix per cell of a grid
        of 2D runs when the parameters are arrays of cells)."""
        if self._is_pair(keys, params):
            self._muon_pair_step(keys, params, grads)
            return
        updates = []
        for key in keys:
            buffer = self._slot("momentum", key, params[key])
            buffer += (1.0 - self.momentum) * (grads[key] - buffer)
            updates.append(grads[key] + self.momentum * (buffer - grads[key]))
        if len(keys) == 1 and np.ndim(params[keys[0]]) == 2:
            matrix = updates[0]
            orthogonal = newton_schulz(matrix, self.NS_STEPS)
            orthogonal *= np.sqrt(max(1.0, matrix.shape[1] / matrix.shape[0]))
            pieces = [orthogonal]
        else:
            rows = np.stack(updates, axis=-1)[..., None, :]  # (..., 1, n): one row per run
            pieces = list(np.moveaxis(newton_schulz(rows, self.NS_STEPS)[..., 0, :], -1, 0))
        for key, piece in zip(keys, pieces):
            p = params[key]
            if nonzero(self.weight_decay):
                p *= 1.0 - self.lr * self.weight_decay
            p -= self.lr * piece

    def _is_pair(self, keys: list[str], params: Params) -> bool:
        """True for the 2D path's case of :meth:`_muon_step`: two 0-d float64 parameters (one
        run) and single-number hyperparameters."""
        return len(keys) == 2 and _is_scalar_run(self, {key: params[key] for key in keys},
                                                 ("lr", "momentum", "weight_decay"))

    def _muon_pair_step(self, keys: list[str], params: Params, grads: Params) -> None:
        """:meth:`_muon_step` of the 1 x 2 matrix (x, y) in Python floats (see
        :func:`newton_schulz_pair`): the same operations in the same order."""
        momentum, lr, weight_decay = float(self.momentum), float(self.lr), float(self.weight_decay)
        updates = []
        for key in keys:
            buffer = self._slot("momentum", key, params[key])
            g, b = float(grads[key]), float(buffer)
            b += (1.0 - momentum) * (g - b)
            buffer[...] = b
            updates.append(g + momentum * (b - g))
        pieces = newton_schulz_pair(*updates, steps=self.NS_STEPS)
        for key, piece in zip(keys, pieces):
            p = params[key]
            if weight_decay:
                p *= 1.0 - lr * weight_decay
            p -= lr * piece

    def _adam_step(self, key: str, p: np.ndarray, g: np.ndarray) -> None:
        """The reference's AdamW step of one parameter (adam_update, then decay and step)."""
        m = self._slot("m", key, p)
        v = self._slot("v", key, p)
        m += (1.0 - self.beta1) * (g - m)
        v += (1.0 - self.beta2) * (g * g - v)
        m_hat = m / (1.0 - self.beta1 ** self.iter)
        v_hat = v / (1.0 - self.beta2 ** self.iter)
        if self.weight_decay:
            p *= 1.0 - self.adam_lr * self.weight_decay
        p -= self.adam_lr * m_hat / (np.sqrt(v_hat) + self.ADAM_EPSILON)


class ScheduleFreeAdamW(_Stateful):
    """Schedule-Free AdamW (Defazio et al., "The Road Less Scheduled", NeurIPS 2024); reference
    ``schedulefree.AdamWScheduleFree`` (facebookresearch/schedule_free), defaults lr 0.0025,
    betas (0.9, 0.999), weight_decay 0, warmup_steps 0, r 0, weight_lr_power 2. Three sequences:
    z takes the AdamW-like steps, x is a weighted running average of z (the point the model is
    evaluated at, and the one this project draws and tests), y the point gradients are taken at:

    lr_t = lr * min(1, t / warmup_steps) (t = 1, 2, ...);  lr_max <- max(lr_max, lr_t)
    c_t = lr_max^2 / (sum of lr_max^2 over steps 1..t)   (1/t without warmup: a uniform average)
    v <- beta2 v + (1 - beta2) dW^2;  g = dW / (sqrt(v / (1 - beta2^t)) + eps) + weight_decay y
    z <- z - lr_t g;  x <- (1 - c_t) x + c_t z;  y = (1 - beta1) z + beta1 x

    The parameter arrays hold y (where the next gradient is taken); :meth:`evaluation_point`
    gives x, and ``state_for`` reports x, y and z.
    """

    hyperparameters = (learning_rate(0.0025),
                       decay("beta1", 0.9, "interpolation: y = (1 - beta1) z + beta1 x"),
                       decay("beta2", 0.999, _BETA2),
                       _weight_decay(0.0, "weight decay computed at y, added to the normalised gradient"),
                       Hyperparameter("warmup_steps", 0.0, 0.0, 1e6, 1.0, 0, minimum_inclusive=True,
                                      description="steps over which lr rises linearly from lr/warmup to lr"))
    counters = ("iter", "lr_max", "weight_sum")
    display_name = "Schedule-Free AdamW"
    path_note = "draws x, the running average of z"

    def reset(self) -> None:
        super().reset()
        self.iter = 0
        self.lr_max = 0.0
        self.weight_sum = 0.0

    def evaluation_point(self, key: str, param: np.ndarray) -> np.ndarray:
        """x, the running average of z (``param`` itself before the first step)."""
        return self.state.get("x", {}).get(key, param)

    def update(self, params: Params, grads: Params) -> None:
        k = self.iter
        self.iter += 1
        warmup = self.warmup_steps
        if type(warmup) is float:  # one run: the same number without NumPy's calls
            schedule = (k + 1) / max(warmup, 1.0) if k < warmup else 1.0
        else:
            with np.errstate(divide="ignore", invalid="ignore"):
                schedule = np.where(k < warmup, (k + 1) / np.maximum(warmup, 1.0), 1.0)
        lr = self.lr * schedule
        self.lr_max = np.maximum(self.lr_max, lr)
        weight = self.lr_max ** 2
        self.weight_sum = self.weight_sum + weight
        c = _coefficient(weight / self.weight_sum)
        lr = _coefficient(lr)
        correction = _coefficient(1.0 - np.power(self.beta2, self.iter))
        for key, y in params.items():
            g = grads[key]
            first = "z" not in self.state or key not in self.state["z"]
            z = self._slot("z", key, y)
            x = self._slot("x", key, y)
            v = self._slot("v", key, y)
            if first:
                z[...] = y
                x[...] = y
            v *= self.beta2
            v += (1.0 - self.beta2) * g * g
            normalised = g / (np.sqrt(v / correction) + EPSILON)
            if nonzero(self.weight_decay):
                normalised += self.weight_decay * y
            z -= lr * normalised
            x *= 1.0 - c
            x += c * z
            y[...] = (1.0 - self.beta1) * z + self.beta1 * x
            self._slot("y", key, y)[...] = y


class Prodigy(_Stateful):
    """Prodigy: Adam whose step size d is estimated from the distance travelled (Mishchenko &
    Defazio, "Prodigy: An Expeditiously Adaptive Parameter-Free Learner", ICML 2024, Algorithm 4);
    reference ``prodigyopt.Prodigy`` (konstmish/prodigy), defaults lr 1.0, betas (0.9, 0.999),
    beta3 = sqrt(beta2), d0 1e-6, weight_decay 0 (decoupled), no bias correction, no growth limit:

    with d the current estimate, over all parameters (W0 the starting point):
    r <- beta3 r + (d / d0) d lr <dW, W0 - W>;  s <- beta3 s + (d / d0) d lr dW
    m <- beta1 m + d (1 - beta1) dW;  v <- beta2 v + d^2 (1 - beta2) dW^2
    d_new = d_max <- max(d_max, r / sum|s|)  (so d never decreases)
    W <- W (1 - d lr weight_decay) - d lr m / (sqrt(v) + d_new eps) No step while every gradient is 0 (sum|s| = 0).

    On a grid of 2D runs (``cells``) "all parameters" are one cell's x and y: r, d, d_max and
    the counters are arrays, one value per cell, and a cell whose gradients were all 0 does not step.
    """

    hyperparameters = (learning_rate(1.0), decay("beta1", 0.9, _BETA1), decay("beta2", 0.999, _BETA2),
                       _weight_decay(0.0, "decoupled weight decay: W shrinks by d * lr * weight_decay * W"),
                       Hyperparameter("d0", 1e-6, 0.0, 1.0, 1e-7, 9, log_scale=True,
                                      description="initial estimate of the distance to the solution"))
    counters = ("iter", "d", "d_max", "d_numerator")
    elementwise = False

    def reset(self) -> None:
        super().reset()
        self.iter = 0
        self.d = self.d_max = self.d0
        self.d_numerator = 0.0

    def update(self, params: Params, grads: Params) -> None:
        if _is_scalar_run(self, params, ("lr", "beta1", "beta2", "weight_decay", "d0")):
            self._scalar_update(params, grads)
            return
        beta3 = np.sqrt(self.beta2)
        d, d0 = self.d, self.d0
        dlr = d * self.lr
        numerator = self.d_numerator * beta3
        denominator = 0.0
        for key, p in params.items():
            g = grads[key]
            start = self.state.get("p0", {}).get(key)
            if start is None:
                start = self._slot("p0", key, p)
                start[...] = p
            m = self._slot("m", key, p)
            v = self._slot("v", key, p)
            s = self._slot("s", key, p)
            # sums over a run's coordinates: all of the parameter's, or (cells) this element alone
            inner = g * (start - p) if self.cells else float(np.vdot(g, start - p))
            numerator += (d / d0) * dlr * inner
            m *= self.beta1
            m += d * (1.0 - self.beta1) * g
            v *= self.beta2
            v += d * d * (1.0 - self.beta2) * g * g
            s *= beta3
            s += (d / d0) * dlr * g
            denominator += np.abs(s) if self.cells else float(np.abs(s).sum())
        stepped = denominator != 0.0
        if not np.any(stepped):
            return
        # a cell that does not step has numerator 0 and m = v = 0: its d (fmax ignores 0 / 0)
        # and its position stay as they are
        self.d_numerator = numerator
        self.d_max = np.fmax(self.d_max, numerator / denominator)
        self.d = self.d_max
        self.iter = self.iter + stepped
        for key, p in params.items():
            if nonzero(self.weight_decay):
                p -= self.weight_decay * dlr * p * stepped
            # the step size is the old d's (dlr), the denominator's epsilon the new d's
            p -= dlr * self._slot("m", key, p) / (np.sqrt(self._slot("v", key, p)) + self.d * EPSILON)


    def _scalar_update(self, params: Params, grads: Params) -> None:
        """:meth:`update` of 0-d parameters (the 2D path's x and y) in Python floats: the same
        operations in the same order, written back into the 0-d slots and parameters."""
        beta1, beta2, lr = float(self.beta1), float(self.beta2), float(self.lr)
        beta3 = math.sqrt(beta2)
        d, d0 = float(self.d), float(self.d0)
        dlr = d * lr
        numerator = float(self.d_numerator) * beta3
        denominator = 0.0
        for key, p in params.items():
            g, position = float(grads[key]), float(p)
            start = self.state.get("p0", {}).get(key)
            if start is None:
                start = self._slot("p0", key, p)
                start[...] = p
            m, v, s = self._slot("m", key, p), self._slot("v", key, p), self._slot("s", key, p)
            numerator += (d / d0) * dlr * (g * (float(start) - position))
            m[...] = float(m) * beta1 + d * (1.0 - beta1) * g
            v[...] = float(v) * beta2 + d * d * (1.0 - beta2) * g * g
            s[...] = float(s) * beta3 + (d / d0) * dlr * g
            denominator += abs(float(s))
        if denominator == 0.0:
            return
        self.d_numerator = numerator
        self.d_max = np.fmax(self.d_max, numerator / denominator)
        self.d = self.d_max
        self.iter = self.iter + True
        weight_decay, epsilon = float(self.weight_decay), float(self.d) * EPSILON
        for key, p in params.items():
            if weight_decay:
                p -= weight_decay * dlr * float(p)
            # a NumPy float divides by 0 as the array formula does (inf or nan, no exception)
            p -= np.float64(dlr * float(self.state["m"][key])) / (math.sqrt(float(self.state["v"][key])) + epsilon)


RECENT_OPTIMIZERS = (NAdam, RAdam, Adamax, Adadelta, AdaBelief, Lion, Muon, ScheduleFreeAdamW, Prodigy)

RECENT_PATH_LEARNING_RATES: dict[str, float] = {
    # Chosen, like the book's, so that 29 updates on x^2/20 + y^2 from (-7, 2) show each rule's
    # character. NAdam, Adamax and AdaBelief take Adam's 0.3, so the three read as variations of
    # Adam's path: NAdam's look-ahead damps Adam's swing, Adamax's max-norm steps are Adam's
    # first steps kept longer, AdaBelief takes larger steps where the gradient is steady (along x).
    "NAdam": 0.3, "Adamax": 0.3, "AdaBelief": 0.3,
    # RAdam's first five steps are un-adapted (SGD on the bias-corrected momentum): at 1.0 they
    # jump across the valley in y before the rectified adaptive steps take over.
    "RAdam": 1.0,
    # Adadelta's steps start near sqrt(1e-6) = 1e-3 and grow with the accumulated updates; its
    # default 1.0 barely moves in 29 steps, the largest allowed rate shows the growth.
    "Adadelta": 100.0,
    # Lion moves each coordinate by exactly lr: 28 steps of 0.25 cover x's 7 units, while y
    # oscillates in steps of 0.25 around 0.
    "Lion": 0.25,
    # Muon on (x, y) is normalised momentum: steps of about 0.35 to 0.6 along the momentum.
    "Muon": 0.5,
    # Schedule-Free draws x, the running average of its z steps: at 1.0 x arrives near the
    # minimum while z overshoots and returns.
    "ScheduleFreeAdamW": 1.0,
    # Prodigy is meant to be run at lr 1: its step size d grows from 1e-6 until it overshoots.
    "Prodigy": 1.0,
}

_base.OPTIMIZERS.update({cls.__name__: cls for cls in RECENT_OPTIMIZERS})
_base.BOOK_PATH_LEARNING_RATES.update(RECENT_PATH_LEARNING_RATES)
