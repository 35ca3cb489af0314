"""The rules that judge one optimizer's MNIST training as it runs: diverged, or not learning.

Diverged (the network stops training): at iteration i (1-based) when the loss or the gradient is
not finite, or when the moving average of the loss over the last ``DIVERGENCE_WINDOW`` iterations
(fewer at the start: all iterations so far) has been above ``DIVERGENCE_FACTOR`` x the loss of
iteration 1 at each of the last ``DIVERGENCE_PATIENCE`` iterations, i included. An iteration at
or below the threshold starts the count again. (The book's cross-entropy saturates at
-log(1e-7) = 16.1, 7x the initial ln 10, so an exploding network shows up as a loss stuck high
rather than as infinity; the average rides over single good batches that reset a per-iteration
rule, as AdamW at lr 100 did.)

Not learning (the network keeps training, the run only says so): when the test accuracy is at
most ``CHANCE_ACCURACY`` at ``NOT_LEARNING_EVALUATIONS`` evaluations in a row, all after
iteration ``NOT_LEARNING_AFTER`` (iteration > 200); declared at the second such evaluation.
Ten classes give 10 % by chance, so 15 % means "no better than guessing".
"""
from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass

DIVERGENCE_WINDOW = 50
DIVERGENCE_FACTOR = 2.0
DIVERGENCE_PATIENCE = 100

CHANCE_ACCURACY = 0.15
NOT_LEARNING_AFTER = 200
NOT_LEARNING_EVALUATIONS = 2


@dataclass(frozen=True)
class Divergence:
    """Training of one optimizer stopped at ``iteration`` (1-based) because of ``reason``."""

    iteration: int
    reason: str


@dataclass(frozen=True)
class NotLearning:
    """One optimizer's test accuracy was at chance; declared at ``iteration`` (an evaluation's),
    ``reason`` in words for a tooltip, a status bar or a summary line."""

    iteration: int
    reason: str


class DivergenceWatch:
    """Applies the divergence rule to one optimizer's losses, one iteration at a time."""

    def __init__(self) -> None:
        self.first_loss: float | None = None
        self.recent: deque[float] = deque(maxlen=DIVERGENCE_WINDOW)
        self.high_streak = 0

    def check(self, iteration: int, loss: float, grads_finite: bool = True) -> Divergence | None:
        """The divergence shown by ``iteration``'s loss and gradient, or None."""
        if not math.isfinite(loss):
            return Divergence(iteration, "the loss became infinite or NaN")
        if not grads_finite:
            return Divergence(iteration, "the gradient became infinite or NaN")
        if self.first_loss is None:
            self.first_loss = loss
        self.recent.append(loss)
        average = sum(self.recent) / len(self.recent)
        if average > DIVERGENCE_FACTOR * self.first_loss:
            self.high_streak += 1
            if self.high_streak >= DIVERGENCE_PATIENCE:
                return Divergence(iteration, f"the loss stayed above {DIVERGENCE_FACTOR:g}x its "
                                             f"initial {self.first_loss:.2f} for "
                                             f"{DIVERGENCE_PATIENCE} iterations")
        else:
            self.high_streak = 0
        return None


class LearningWatch:
    """Applies the not-learning rule to one optimizer's test accuracies, in evaluation order."""

    def __init__(self) -> None:
        self.low_streak = 0

    def check(self, iteration: int, accuracy: float) -> NotLearning | None:
        """NotLearning when the evaluation at ``iteration`` completes the rule, else None."""
        if iteration > NOT_LEARNING_AFTER and accuracy <= CHANCE_ACCURACY:
            self.low_streak += 1
        else:
            self.low_streak = 0
        if self.low_streak == NOT_LEARNING_EVALUATIONS:
            return NotLearning(iteration, f"not learning: test accuracy at most "
                                          f"{100 * CHANCE_ACCURACY:g} % (chance) at "
                                          f"{NOT_LEARNING_EVALUATIONS} evaluations in a row")
        return None
