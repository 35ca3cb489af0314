"""Time nncore's solve of one 2D path (``trace_path``) per registered optimizer and print the
milliseconds per path of 1000 steps (the median of several runs), with each optimizer's ratio to
SGD's time in the same invocation (the ratio holds on a loaded machine too) and the load average.

This is the part of the live paths' latency (issue 8, ``bench/live_paths_latency.py``) that
nncore owns: the window re-solves the one path whose setting changed. Every path is the
function's default start on x^2/20 + y^2 with the optimizer's path defaults.

Usage: python bench/path_solve_speed.py [--steps N] [--repeat N] [--function KEY]
"""
from __future__ import annotations

import argparse
import os
import statistics
import time

from nncore.functions import get_function
from nncore.optimizers import OPTIMIZERS, create, path_defaults
from nncore.paths import trace_path


def solve_ms(function, name: str, steps: int, repeat: int) -> float:
    """The median wall time of ``repeat`` solves of ``steps`` steps, in milliseconds."""
    optimizer = create(name, **path_defaults(name))
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        trace_path(function, optimizer, function.start, steps)
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=1000, help="steps per path (default 1000)")
    parser.add_argument("--repeat", type=int, default=9, help="solves per optimizer (default 9)")
    parser.add_argument("--function", default="book", help="test function key (default book)")
    args = parser.parse_args()
    function = get_function(args.function)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    print(f"trace_path, {args.steps} steps on {function.key}, median of {args.repeat}:")
    baseline = solve_ms(function, "SGD", args.steps, args.repeat)
    print(f"{'optimizer':<20} {'ms':>7} {'x SGD':>6}")
    for name in OPTIMIZERS:
        ms = baseline if name == "SGD" else solve_ms(function, name, args.steps, args.repeat)
        print(f"{name:<20} {ms:>7.1f} {ms / baseline:>6.2f}")
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
