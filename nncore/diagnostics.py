"""A look inside the networks while they train: per-layer statistics and what each evaluation
gets wrong. Free of Qt; computed in the training process from values the engine already has.

Per layer l (weights W_l only, biases left out), every :data:`STATISTICS_INTERVAL` iterations:

- update ratio  ||W_l after - W_l before|| / ||W_l before||  (Frobenius norms; practitioners aim
  for about 1e-3 per step: far above, the layer is changing too fast, far below, it learns little),
- gradient norm ||dL/dW_l|| of the iteration's minibatch (the gradient the optimizer got),
- weight norm ||W_l|| after the update.

At each evaluation, per network: the confusion matrix of the test set (rows true class, columns
predicted), up to :data:`GALLERY_SIZE` misclassified test images with their predicted and true
labels, and the first layer's weights (in, units) for up to :data:`FIRST_LAYER_UNITS` units,
which for image inputs are one image per unit.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

STATISTICS_INTERVAL = 10
"""Iterations between two records of the layer statistics (each costs a copy of the weights
and a few norms per network; every 10th iteration keeps it well under 1 % of training)."""
GALLERY_SIZE = 32
"""Misclassified test images kept per evaluation."""
FIRST_LAYER_UNITS = 100
"""First-layer units whose weights are sent per evaluation."""
STATISTICS = ("update_ratio", "gradient_norm", "weight_norm")
"""The per-layer statistics, in the order of :class:`LayerRows`' arrays."""


@dataclass(frozen=True)
class LayerRows:
    """Layer statistics of one network at some iterations.

    ``iterations`` (n,) 1-based; ``update_ratio``, ``gradient_norm``, ``weight_norm`` (n, L) with
    one column per weight matrix W1..WL (float64).
    """

    iterations: np.ndarray
    update_ratio: np.ndarray
    gradient_norm: np.ndarray
    weight_norm: np.ndarray

    @classmethod
    def concatenate(cls, parts: list["LayerRows"]) -> "LayerRows":
        """The rows of ``parts`` one after the other (at least one part)."""
        return cls(np.concatenate([p.iterations for p in parts]),
                   *(np.concatenate([getattr(p, name) for p in parts]) for name in STATISTICS))

    def __len__(self) -> int:
        return len(self.iterations)


@dataclass(frozen=True)
class EvaluationDiagnostics:
    """What one network's evaluation at ``iteration`` got wrong, and its first layer.

    ``confusion`` (classes, classes) int64, rows the true class and columns the predicted one;
    ``misclassified`` (k, inputs) uint8 test images (k <= GALLERY_SIZE) with their ``predicted``
    and ``true`` labels (k,); ``first_layer`` (inputs, units) float32, the first layer's weights
    (units <= FIRST_LAYER_UNITS), column j being unit j's weight image.
    """

    iteration: int
    confusion: np.ndarray
    misclassified: np.ndarray
    predicted: np.ndarray
    true: np.ndarray
    first_layer: np.ndarray


class LayerRecorder:
    """Collects the layer statistics of the networks of one :class:`~nncore.engine.NetworkStack`.

    Call :meth:`before_update` with the iteration before a network's update and
    :meth:`after_update` after it; on iterations that are not multiples of ``interval`` both do
    nothing. :meth:`take` hands over (and forgets) the rows recorded so far, per network.
    """

    def __init__(self, weights: list[np.ndarray], gradients: list[np.ndarray],
                 interval: int = STATISTICS_INTERVAL) -> None:
        """``weights`` and ``gradients``: the stack's per-layer (G, in, out) views."""
        self.weights = weights
        self.gradients = gradients
        self.interval = interval
        count = weights[0].shape[0]
        self._before: list[np.ndarray] | None = None
        self._rows: list[list[tuple[int, np.ndarray]]] = [[] for _ in range(count)]

    def due(self, iteration: int) -> bool:
        return iteration % self.interval == 0

    def before_update(self, iteration: int, network: int) -> None:
        if self.due(iteration):
            self._before = [w[network].copy() for w in self.weights]

    def after_update(self, iteration: int, network: int) -> None:
        if not self.due(iteration) or self._before is None:
            return
        values = np.empty((len(STATISTICS), len(self.weights)))
        for layer, (w, g, before) in enumerate(zip(self.weights, self.gradients, self._before)):
            old_norm = _norm(before)
            np.subtract(w[network], before, out=before)
            values[0, layer] = _norm(before) / old_norm if old_norm else np.nan
            values[1, layer] = _norm(g[network])
            values[2, layer] = _norm(w[network])
        self._rows[network].append((iteration, values))
        self._before = None

    def take(self, network: int) -> LayerRows | None:
        """Rows recorded for ``network`` since the last call, or None if there are none."""
        rows, self._rows[network] = self._rows[network], []
        if not rows:
            return None
        stacked = np.stack([values for _, values in rows])  # (n, statistic, layer)
        return LayerRows(np.array([iteration for iteration, _ in rows], dtype=np.int64),
                         *(stacked[:, k] for k in range(len(STATISTICS))))


def _norm(array: np.ndarray) -> float:
    """Frobenius norm (a BLAS dot product in the array's dtype)."""
    flat = array.reshape(-1)
    return float(np.sqrt(np.dot(flat, flat)))


def confusion_matrix(true: np.ndarray, predicted: np.ndarray, classes: int) -> np.ndarray:
    """(classes, classes) counts: entry [i, j] is how many images of class i were predicted j."""
    return np.bincount(true * classes + predicted, minlength=classes * classes).reshape(classes, classes)


def evaluation_diagnostics(iteration: int, images: np.ndarray, labels: np.ndarray,
                           predicted: np.ndarray, first_layer: np.ndarray,
                           classes: int) -> EvaluationDiagnostics:
    """One network's :class:`EvaluationDiagnostics` from its predictions (N,) of ``images``
    (N, inputs) with ``labels`` (N,); the gallery takes misclassified images spread evenly over
    the order of ``images``; ``first_layer`` is the (inputs, units) weight matrix (copied)."""
    wrong = np.flatnonzero(predicted != labels)
    if len(wrong) > GALLERY_SIZE:
        wrong = wrong[np.linspace(0, len(wrong) - 1, GALLERY_SIZE).round().astype(np.intp)]
    return EvaluationDiagnostics(iteration, confusion_matrix(labels, predicted, classes),
                                 images[wrong].copy(), predicted[wrong].astype(np.int64),
                                 labels[wrong].astype(np.int64),
                                 first_layer[:, :FIRST_LAYER_UNITS].astype(np.float32))


@dataclass
class LayerHistory:
    """All layer statistics of one network in a run, built from :class:`LayerRows` by :meth:`add`."""

    parts: list[LayerRows] = field(default_factory=list)

    def add(self, rows: LayerRows) -> None:
        self.parts.append(rows)

    def rows(self) -> LayerRows | None:
        """Every row so far as one :class:`LayerRows` (None before the first)."""
        if not self.parts:
            return None
        if len(self.parts) > 1:
            self.parts = [LayerRows.concatenate(self.parts)]
        return self.parts[0]
