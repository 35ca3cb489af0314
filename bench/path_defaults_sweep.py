"""Choose each test function's 2D learning rates: the sweep behind nncore.path_defaults.

For every test function except the book's (which keeps the book's values) and every registered
optimizer, runs the path from the function's default start for its default number of steps with
each learning rate of the 1-2-5 grid from 1e-4 to the optimizer's maximum (the other
hyperparameters at their 2D defaults), and keeps the learning rate with the lowest final f
(diverged paths count as +inf; a tie goes to the smaller rate). Functions without a minimum
(the saddle) are skipped: there is no neighbourhood to reach. Prints the table as Python, ready
to paste into ``nncore/path_defaults.py``, and each choice's final f − f*.

Usage: python bench/path_defaults_sweep.py
Re-run it after adding optimizers or functions; it iterates the registries.
"""
from __future__ import annotations

import math
import sys

import numpy as np


def grid(maximum: float) -> list[float]:
    """The 1-2-5 values from 1e-4 up to ``maximum``."""
    values = [m * 10.0 ** e for e in range(-4, 3) for m in (1, 2, 5)]
    return [round(v, 10) for v in values if v <= maximum]


def main() -> int:
    from nncore.functions import FUNCTIONS
    from nncore.optimizers import OPTIMIZERS, create, path_defaults
    from nncore.paths import trace_path

    table: dict[str, dict[str, dict[str, float]]] = {}
    for key, function in FUNCTIONS.items():
        if key == "book" or function.f_star is None:
            continue
        table[key] = {}
        print(f"# {key}: from {function.start}, {function.steps} steps", file=sys.stderr)
        for name, cls in OPTIMIZERS.items():
            lr_declaration = next(hp for hp in cls.hyperparameters if hp.name == "lr")
            best, best_f = None, math.inf
            for lr in grid(lr_declaration.maximum):
                values = {**path_defaults(name), "lr": lr}
                result = trace_path(function, create(name, **values), function.start, function.steps)
                final = math.inf if result.diverged_at is not None else float(result.f[-1])
                if np.isfinite(final) and final < best_f:
                    best, best_f = lr, final
            if best is not None:
                table[key][name] = {"lr": best}
                print(f"#   {name:<18} lr {best:g}: final f - f* = {best_f - function.f_star:.3g}",
                      file=sys.stderr)
    print("FUNCTION_PATH_HYPERPARAMETERS = {")
    for key, entries in table.items():
        print(f'    "{key}": {{')
        for name, values in entries.items():
            inner = ", ".join(f'"{hp}": {value:g}' for hp, value in values.items())
            print(f'        "{name}": {{{inner}}},')
        print("    },")
    print("}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
