"""What the Diagnostics tab's statistics cost: the book's MNIST run (SGD, Momentum, AdaGrad, Adam,
2000 iterations, batch 128, evaluations every 100) trained with and without
``run_mnist(diagnostics=...)`` in the same invocation, alternating, so both see the same machine.

Prints the wall and CPU seconds of every repetition and the ratios of the medians; the target is
at most 1.10 (diagnostics cost at most 10 % of training). Timings on a shared machine are noisy:
the alternation and the median keep a load that comes and goes from favouring one side, and the
process's CPU time is less sensitive to other processes than the wall time.

Usage: python bench/diagnostics_cost.py [--repeats 2] [--iterations 2000] [--threads 1]
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from nncore.data import load_mnist  # noqa: E402
from nncore.experiment import run_mnist  # noqa: E402
from nncore.settings import Settings  # noqa: E402


def train_seconds(settings: Settings, data, diagnostics: bool, threads: int) -> tuple[float, float]:
    """Wall seconds and this process's CPU seconds of one whole run (evaluations included)."""
    started, cpu = time.perf_counter(), time.process_time()
    for _ in run_mnist(settings, data, diagnostics=diagnostics, compute_threads=threads):
        pass
    return time.perf_counter() - started, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    settings = Settings(task="mnist")
    settings.mnist.iterations = args.iterations
    data = load_mnist()
    wall: dict[bool, list[float]] = {False: [], True: []}
    cpu: dict[bool, list[float]] = {False: [], True: []}
    for repeat in range(args.repeats):
        for diagnostics in ((False, True) if repeat % 2 == 0 else (True, False)):
            seconds, cpu_seconds = train_seconds(settings, data, diagnostics, args.threads)
            wall[diagnostics].append(seconds)
            cpu[diagnostics].append(cpu_seconds)
            print(f"repeat {repeat + 1}: diagnostics {'on ' if diagnostics else 'off'} "
                  f"{seconds:7.2f} s wall, {cpu_seconds:7.2f} s CPU", flush=True)
    for label, times in (("wall", wall), ("CPU", cpu)):
        ratio = statistics.median(times[True]) / statistics.median(times[False])
        print(f"median {label} time with / without diagnostics: {ratio:.3f} (target <= 1.10)")


if __name__ == "__main__":
    main()
