"""Fully connected network with the book's ``MultiLayerNet`` interface (``common/multi_layer_net.py``).

Architecture: (Affine -> activation) x len(hidden_size_list) -> Affine -> SoftmaxWithLoss.
Parameters live in ``params`` as 'W1', 'b1', ..., 'W{L}', 'b{L}' with W of shape (in, out);
the layers hold the very same arrays, so an optimizer's in-place update is all it takes.

Additions to the book: ``dtype`` (float32 by default: twice the speed, same curves),
``rng`` (a ``numpy.random.Generator``; the global ``np.random`` is never used), and
``loss_and_gradient``, which returns the loss computed by the forward pass that the gradient
needs anyway, so a training loop does not run a second forward pass to record it.
"""
from __future__ import annotations

from typing import Sequence

import numpy as np

from . import ranges
from .layers import Affine, Relu, Sigmoid, SoftmaxWithLoss

ACTIVATIONS = {"relu": Relu, "sigmoid": Sigmoid}
WEIGHT_INITS = ("he", "relu", "xavier", "sigmoid")
"""Named initialisations: 'he'/'relu' use std sqrt(2 / n_in), 'xavier'/'sigmoid' sqrt(1 / n_in)."""


def init_scale(weight_init_std: str | float, fan_in: int) -> float:
    """Standard deviation of the initial weights of a layer with ``fan_in`` inputs."""
    if isinstance(weight_init_std, str):
        name = weight_init_std.lower()
        if name in ("he", "relu"):
            return float(np.sqrt(2.0 / fan_in))
        if name in ("xavier", "sigmoid"):
            return float(np.sqrt(1.0 / fan_in))
        raise ValueError(f"weight_init_std must be one of {', '.join(WEIGHT_INITS)} or a "
                         f"positive number, got {weight_init_std!r}")
    try:
        return ranges.WEIGHT_INIT_STD.check(weight_init_std)
    except ValueError as error:
        raise ValueError(f"weight_init_std: {error}") from None


class MultiLayerNet:
    """Multi-layer perceptron trained with softmax cross-entropy and optional L2 weight decay.

    The loss is  mean cross-entropy + 0.5 * weight_decay_lambda * sum over layers of ||W||^2.
    """

    def __init__(self, input_size: int, hidden_size_list: Sequence[int], output_size: int,
                 activation: str = "relu", weight_init_std: str | float = "relu",
                 weight_decay_lambda: float = 0, dtype=np.float32,
                 rng: np.random.Generator | None = None) -> None:
        if activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {', '.join(ACTIVATIONS)}, got {activation!r}")
        try:
            ranges.WEIGHT_DECAY.check(weight_decay_lambda)
        except ValueError as error:
            raise ValueError(f"weight_decay_lambda: {error}") from None
        self.input_size = input_size
        self.hidden_size_list = list(hidden_size_list)
        self.output_size = output_size
        self.hidden_layer_num = len(self.hidden_size_list)
        self.weight_decay_lambda = weight_decay_lambda
        self.dtype = np.dtype(dtype)
        rng = np.random.default_rng() if rng is None else rng

        sizes = [input_size] + self.hidden_size_list + [output_size]
        self.params: dict[str, np.ndarray] = {}
        for idx in range(1, len(sizes)):
            scale = init_scale(weight_init_std, sizes[idx - 1])
            self.params[f"W{idx}"] = (scale * rng.standard_normal((sizes[idx - 1], sizes[idx]))
                                      ).astype(self.dtype)
            self.params[f"b{idx}"] = np.zeros(sizes[idx], dtype=self.dtype)

        self.layers: list = []
        for idx in range(1, len(sizes)):
            self.layers.append(Affine(self.params[f"W{idx}"], self.params[f"b{idx}"]))
            if idx < len(sizes) - 1:
                self.layers.append(ACTIVATIONS[activation]())
        self.last_layer = SoftmaxWithLoss()

    @property
    def affine_layers(self) -> list[Affine]:
        return [layer for layer in self.layers if isinstance(layer, Affine)]

    def predict(self, x: np.ndarray) -> np.ndarray:
        """Scores before softmax, shape (N, output_size)."""
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def _weight_decay(self) -> float:
        if not self.weight_decay_lambda:
            return 0.0
        squares = sum(float(np.sum(np.square(layer.W, dtype=np.float64)))
                      for layer in self.affine_layers)
        return 0.5 * self.weight_decay_lambda * squares

    def loss(self, x: np.ndarray, t: np.ndarray) -> float:
        """Cross-entropy of the batch plus the L2 penalty, as a Python float."""
        return self.last_layer.forward(self.predict(x), t) + self._weight_decay()

    def accuracy(self, x: np.ndarray, t: np.ndarray) -> float:
        """Fraction of rows whose highest score is the label (t as indices or one-hot)."""
        y = np.argmax(self.predict(x), axis=1)
        if t.ndim != 1:
            t = np.argmax(t, axis=1)
        return float(np.mean(y == t))

    def loss_and_gradient(self, x: np.ndarray, t: np.ndarray) -> tuple[float, dict[str, np.ndarray]]:
        """One forward and one backward pass: the loss and dL/dparam for every parameter.

        The first layer's dx is not computed (its input is the data).
        """
        loss = self.loss(x, t)
        dout = self.last_layer.backward(1.0)
        for layer in reversed(self.layers[1:]):
            dout = layer.backward(dout)
        self.layers[0].backward(dout, need_dx=False)
        grads: dict[str, np.ndarray] = {}
        for idx, layer in enumerate(self.affine_layers, start=1):
            grads[f"W{idx}"] = (layer.dW + self.weight_decay_lambda * layer.W
                                if self.weight_decay_lambda else layer.dW)
            grads[f"b{idx}"] = layer.db
        return loss, grads

    def gradient(self, x: np.ndarray, t: np.ndarray) -> dict[str, np.ndarray]:
        """dL/dparam by backpropagation, keyed like ``params``."""
        return self.loss_and_gradient(x, t)[1]

    def numerical_gradient(self, x: np.ndarray, t: np.ndarray, h: float = 1e-4) -> dict[str, np.ndarray]:
        """dL/dparam by central differences, (L(p + h) - L(p - h)) / (2h), one element at a time.

        Slow (two forward passes per parameter element): for gradient checks on small nets.
        Use float64 for a meaningful comparison.
        """
        grads = {}
        for key, param in self.params.items():
            grad = np.zeros_like(param)
            it = np.nditer(param, flags=["multi_index"])
            for _ in it:
                idx = it.multi_index
                original = param[idx].copy()
                param[idx] = original + h
                plus = self.loss(x, t)
                param[idx] = original - h
                minus = self.loss(x, t)
                param[idx] = original
                grad[idx] = (plus - minus) / (2 * h)
            grads[key] = grad
        return grads
