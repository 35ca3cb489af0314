"""Entries x repeats trained as stacks against the same networks trained one at a time.

8 entries x 3 repeats of the book's network (784-100x4-10, batch 128, evaluations every 100
iterations) go through ``nncore.experiment.run_mnist`` twice in one invocation, on one compute
thread each time:

- stacked: one run with the 8 entries and ``repeats=3`` (all 24 networks are one
  NetworkStack, with a feed per repeat: each repeat's 8 networks share its minibatches);
- separate: 24 runs of one entry and one repeat each (seed + r), the same code path.

Prints both wall and CPU times, their ratios, and the largest difference between the two runs'
losses (they compute the same numbers, to the bit). Usage: ``python bench/entries_stack.py [ITERATIONS]`` (default
2000; the full size takes a few minutes on a 2-core machine).
"""
from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nncore.data import load_mnist  # noqa: E402
from nncore.entries import parse_run  # noqa: E402
from nncore.experiment import run_mnist  # noqa: E402
from nncore.settings import MnistSettings, Settings  # noqa: E402

RUNS = ("SGD lr=0.01", "SGD lr=0.1", "Momentum", "Nesterov", "AdaGrad", "RMSprop lr=0.001",
        "Adam lr=0.001", "Adam lr=0.01")
REPEATS = 3


def train(settings: Settings, data) -> tuple[float, float, dict[str, np.ndarray]]:
    """Wall and CPU seconds of this process to run ``settings``' MNIST task to the end, and its
    losses by history key."""
    started, cpu = time.perf_counter(), time.process_time()
    generator = run_mnist(settings, data, compute_threads=1)
    while True:
        try:
            next(generator)
        except StopIteration as done:
            return time.perf_counter() - started, time.process_time() - cpu, done.value.losses


def main(iterations: int) -> None:
    data = load_mnist()
    entries = tuple(parse_run(text) for text in RUNS)
    stacked_settings = Settings(entries=entries, mnist=MnistSettings(iterations=iterations,
                                                                     repeats=REPEATS)).validate()
    labels = stacked_settings.labels()
    stacked_time, stacked_cpu, stacked = train(stacked_settings, data)
    separate_time, separate_cpu, difference = 0.0, 0.0, 0.0
    for repeat in range(REPEATS):
        for label, entry in zip(labels, entries):
            single = Settings(entries=(entry,), mnist=MnistSettings(iterations=iterations, seed=repeat))
            seconds, cpu, losses = train(single, data)
            separate_time += seconds
            separate_cpu += cpu
            (only,) = losses.values()
            difference = max(difference, float(np.nanmax(np.abs(only - stacked[f"{label} #{repeat + 1}"]))))
    print(f"{len(entries)} entries x {REPEATS} repeats, {iterations} iterations, one compute thread")
    print(f"stacked (one run, one stack of {len(entries) * REPEATS} networks): "
          f"{stacked_time:7.1f} s wall, {stacked_cpu:7.1f} s CPU")
    print(f"separate ({len(entries) * REPEATS} single-network runs):      "
          f"{separate_time:7.1f} s wall, {separate_cpu:7.1f} s CPU")
    print(f"ratio separate / stacked: {separate_time / stacked_time:.2f} wall, "
          f"{separate_cpu / stacked_cpu:.2f} CPU (CPU time is less affected by other processes)")
    print(f"largest loss difference between the two: {difference:.3g}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 2000)
