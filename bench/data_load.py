"""Time loading the bundled MNIST (four IDX .gz files -> uint8 arrays) and print the figures.

Usage: python bench/data_load.py [--repeat N]
"""
from __future__ import annotations

import argparse
import statistics
import time

from nncore.data import load_mnist


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="number of timed loads (default 5)")
    args = parser.parse_args()
    times = []
    for _ in range(args.repeat):
        started = time.perf_counter()
        (x_train, _), (x_test, _) = load_mnist()
        times.append(time.perf_counter() - started)
    megabytes = (x_train.nbytes + x_test.nbytes) / 1e6
    print(f"load_mnist(): median {statistics.median(times) * 1000:.0f} ms over {args.repeat} runs "
          f"(min {min(times) * 1000:.0f} ms, max {max(times) * 1000:.0f} ms); "
          f"{megabytes:.0f} MB of uint8 images in memory")


if __name__ == "__main__":
    main()
