"""Layers with forward and backward passes, as in the book's ``common/layers.py``.

Shapes: N is the batch size. ``forward`` caches what ``backward`` needs; ``backward`` takes the
upstream gradient dL/d(output) and returns dL/d(input) without modifying its argument.
"""
from __future__ import annotations

import numpy as np

LOG_EPSILON = 1e-7
"""Added inside the log of the cross-entropy, as in the book (caps the loss at -log(1e-7) = 16.1)."""


class Affine:
    """y = x @ W + b with x (N, in), W (in, out), b (out,). Gradients land in ``dW`` and ``db``.

    ``W`` and ``b`` are the network's parameter arrays themselves (not copies), so an optimizer
    updating them in place is seen here at once.
    """

    def __init__(self, W: np.ndarray, b: np.ndarray) -> None:
        self.W = W
        self.b = b
        self.x: np.ndarray | None = None
        self.dW: np.ndarray | None = None
        self.db: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x
        return x @ self.W + self.b

    def backward(self, dout: np.ndarray, need_dx: bool = True) -> np.ndarray | None:
        """dW = x^T dout, db = sum over the batch of dout; returns dx = dout W^T.

        ``need_dx=False`` skips dx (a third of the layer's work) for the network's first layer,
        whose input is the data.
        """
        self.dW = self.x.T @ dout
        self.db = dout.sum(axis=0)
        return dout @ self.W.T if need_dx else None


class Relu:
    """y = max(x, 0); dx = dout where x > 0, else 0."""

    def __init__(self) -> None:
        self.mask: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x <= 0
        out = x.copy()
        out[self.mask] = 0
        return out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        dx = dout.copy()
        dx[self.mask] = 0
        return dx


class Sigmoid:
    """y = 1 / (1 + exp(-x)); dx = dout * y * (1 - y)."""

    def __init__(self) -> None:
        self.out: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.out = sigmoid(x)
        return self.out

    def backward(self, dout: np.ndarray) -> np.ndarray:
        return dout * (1.0 - self.out) * self.out


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic function, computed without overflow for large negative x."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def softmax(x: np.ndarray) -> np.ndarray:
    """Row-wise softmax of x (N, C), shifted by the row maximum for stability."""
    shifted = x - x.max(axis=-1, keepdims=True)
    e = np.exp(shifted)
    return e / e.sum(axis=-1, keepdims=True)


def cross_entropy_error(y: np.ndarray, t: np.ndarray) -> float:
    """Mean over the batch of -log(y[t] + 1e-7); t holds class indices (N,) or one-hot rows."""
    t = np.asarray(t)
    if y.ndim == 1:
        y = y.reshape(1, y.size)
        t = t.reshape(1, t.size)
    if t.size == y.size:
        t = t.argmax(axis=1)
    n = y.shape[0]
    return float(-np.sum(np.log(y[np.arange(n), t] + LOG_EPSILON)) / n)


class SoftmaxWithLoss:
    """Softmax followed by the cross-entropy loss; backward gives (softmax - one_hot(t)) / N."""

    def __init__(self) -> None:
        self.y: np.ndarray | None = None
        self.t: np.ndarray | None = None
        self.loss: float | None = None

    def forward(self, x: np.ndarray, t: np.ndarray) -> float:
        self.t = t
        self.y = softmax(x)
        self.loss = cross_entropy_error(self.y, t)
        return self.loss

    def backward(self, dout: float = 1.0) -> np.ndarray:
        n = self.y.shape[0]
        dx = self.y.copy()
        if self.t.size == self.y.size:  # one-hot labels
            dx -= self.t
        else:
            dx[np.arange(n), self.t] -= 1
        dx *= dout / n
        return dx
