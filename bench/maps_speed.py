"""Time the vectorised instruments of issue 9 and print the figures: a 100 x 100 hyperparameter
map of 100 steps (target: under 1 s) and a 128 x 128 basin map of 200 steps (target: under 2 s),
each against the same runs done one path at a time (``trace_path``, a sample of the cells,
scaled up) in the same invocation, so the ratio holds on a loaded machine too; the map tab
computing and painting the 100 x 100 map offscreen; and both grids for every registered
optimizer, against Momentum's in the same invocation (Muon's Newton-Schulz on a stack of 1 x 2
matrices and Prodigy's per-cell sums cost more than an element-wise rule).

Usage: python bench/maps_speed.py [--repeat N]
"""
from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from nncore.functions import get_function
from nncore.maps import basin_map, declared, default_axis, default_y, hyperparameter_map
from nncore.optimizers import OPTIMIZERS, create, path_defaults
from nncore.paths import trace_path

SAMPLE = 200
"""Cells timed one path at a time to estimate the per-path cost."""


def _median_seconds(work, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        work()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _one_at_a_time(function, optimizer: str, values: list[dict], starts: list, steps: int) -> float:
    """Seconds per path for trace_path over the given settings and starts."""
    started = time.perf_counter()
    for hyperparameters, start in zip(values, starts):
        trace_path(function, create(optimizer, **hyperparameters), start, steps)
    return (time.perf_counter() - started) / len(values)


def bench_map(repeat: int) -> None:
    book = get_function("book")
    for optimizer, current in (("Momentum", {"lr": 0.1, "momentum": 0.9}),
                               ("Adam", {"lr": 0.3, "beta1": 0.9, "beta2": 0.999})):
        y_name = "momentum" if optimizer == "Momentum" else "beta1"
        x = default_axis(declared(optimizer, "lr"), current["lr"], 100)
        y = default_axis(declared(optimizer, y_name), current[y_name], 100)
        seconds = _median_seconds(
            lambda: hyperparameter_map(book, optimizer, current, book.start, 100, x, y), repeat)
        rng = np.random.default_rng(0)
        sample = [{**current, "lr": float(rng.choice(x.values)), y_name: float(rng.choice(y.values))}
                  for _ in range(SAMPLE)]
        per_path = _one_at_a_time(book, optimizer, sample, [book.start] * SAMPLE, 100)
        print(f"hyperparameter map, {optimizer}, 100 x 100 cells x 100 steps: {seconds:.3f} s "
              f"(median of {repeat}; target < 1 s); one path at a time: ~{per_path * 1e4:.1f} s "
              f"({per_path * 1e4 / seconds:.0f}x slower)")


def bench_basins(repeat: int) -> None:
    himmelblau = get_function("himmelblau")
    for optimizer, values in (("SGD", {"lr": 0.01}), ("Adam", {"lr": 0.05, "beta1": 0.9, "beta2": 0.999})):
        seconds = _median_seconds(lambda: basin_map(himmelblau, optimizer, values, 200, 128), repeat)
        rng = np.random.default_rng(0)
        starts = [tuple(rng.uniform(-5, 5, 2)) for _ in range(SAMPLE)]
        per_path = _one_at_a_time(himmelblau, optimizer, [values] * SAMPLE, starts, 200)
        print(f"basin map, {optimizer} on Himmelblau, 128 x 128 starts x 200 steps: {seconds:.3f} s "
              f"(median of {repeat}; target < 2 s); one path at a time: ~{per_path * 128 * 128:.1f} s "
              f"({per_path * 128 * 128 / seconds:.0f}x slower)")


def bench_every_optimizer(repeat: int) -> None:
    """Every registered optimizer's 100 x 100 map of 100 steps (its learning rate against its
    second hyperparameter around its path defaults; a 100-cell curve when it has only lr) on the
    book function and its 128 x 128 basin map of 200 steps on Himmelblau, timed against Momentum."""
    book, himmelblau = get_function("book"), get_function("himmelblau")
    rows = []
    for optimizer in OPTIMIZERS:
        values = path_defaults(optimizer)
        y_name = default_y(optimizer)
        x = default_axis(declared(optimizer, "lr"), values["lr"], 100)
        y = None if y_name is None else default_axis(declared(optimizer, y_name), values[y_name], 100)
        map_seconds = _median_seconds(
            lambda: hyperparameter_map(book, optimizer, values, book.start, 100, x, y), repeat)
        basin_seconds = _median_seconds(lambda: basin_map(himmelblau, optimizer, values, 200, 128), repeat)
        rows.append((optimizer, "100 cells (curve)" if y is None else "100 x 100 cells", map_seconds, basin_seconds))
    base = {optimizer: (m, b) for optimizer, _, m, b in rows}["Momentum"]
    for optimizer, cells, map_seconds, basin_seconds in rows:
        print(f"{optimizer:>18}: map {cells} x 100 steps {map_seconds:.3f} s "
              f"({map_seconds / base[0]:.1f}x Momentum's), basins 128 x 128 x 200 steps "
              f"{basin_seconds:.3f} s ({basin_seconds / base[1]:.1f}x) (medians of {repeat})")


def bench_map_panel(repeat: int) -> None:
    """The map as the window shows it: compute, colour and paint the 100 x 100 map (offscreen)."""
    import os
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    from PySide6.QtWidgets import QApplication

    from gui.map_panel import MapPanel

    app = QApplication.instance() or QApplication([])
    panel = MapPanel()
    panel.set_choice("Momentum", "lr", "momentum", 100)
    panel.set_inputs("book", (-7.0, 2.0), 100, {name: path_defaults(name) for name in OPTIMIZERS})
    panel.resize(800, 600)
    panel.show()
    app.processEvents()

    def appear() -> None:
        panel.compute()
        panel.plot_widget.grab()  # paint it, as the screen would

    seconds = _median_seconds(appear, repeat)
    print(f"map tab, Momentum, 100 x 100 x 100 steps, computed and painted: {seconds:.3f} s "
          f"(median of {repeat}; target < 1 s)")
    panel.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per figure (default 5)")
    args = parser.parse_args()
    bench_map(args.repeat)
    bench_map_panel(args.repeat)
    bench_basins(args.repeat)
    bench_every_optimizer(args.repeat)


if __name__ == "__main__":
    main()
