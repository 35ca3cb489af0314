"""The 2D path solver's fast formulations give the generic formulation's bits.

nncore computes some rules' 2D path step in Python floats (a NumPy call per operation on a 1 x 2
matrix or a (2,) array costs more than the arithmetic); these tests compare them with the
generic NumPy code they replace, bit for bit. Maps, basins and clouds (tests/test_sweeps*.py)
compare the same single paths with the array formulations of whole grids.
"""
from __future__ import annotations

import numpy as np
import pytest

from nncore.optimizers import create
from nncore.optimizers_recent import newton_schulz, newton_schulz_pair


def test_newton_schulz_pair_equals_newton_schulz_of_the_1x2_matrix_to_the_bit():
    rng = np.random.default_rng(8)
    pairs = rng.standard_normal((20000, 2)) * np.exp(rng.uniform(-30, 30, (20000, 1)))
    pairs[:5] = [[0.0, 0.0], [1.0, 0.0], [0.0, -3.0], [1e-300, 1e-300], [5.0, 5.0]]
    for u0, u1 in pairs:
        expected = newton_schulz(np.array([[u0, u1]]), 5)[0]
        assert newton_schulz_pair(float(u0), float(u1), 5) == (expected[0], expected[1])


def _path(name: str, values: dict, scalar: bool, steps: int = 60) -> list[tuple[float, float]]:
    """The first positions of ``name`` on f = x^2/20 + y^2 from (-7, 2), x and y as two
    parameters: with ``scalar`` two 0-d arrays (the 2D path's case), else one run of the grid
    formulation (``cells``, (1,) arrays). The gradient is 0 for the first two steps."""
    optimizer = create(name, **values)
    shape = () if scalar else (1,)
    optimizer.cells = not scalar
    params = {"x": np.full(shape, -7.0), "y": np.full(shape, 2.0)}
    grads = {"x": np.zeros(shape), "y": np.zeros(shape)}
    points = []
    for step in range(steps):
        grads["x"][...] = params["x"] / 10 if step >= 2 else 0.0
        grads["y"][...] = 2 * params["y"] if step >= 2 else 0.0
        optimizer.update(params, grads)
        points.append((float(np.ravel(params["x"])[0]), float(np.ravel(params["y"])[0])))
    return points


@pytest.mark.parametrize("name, values", [
    ("Muon", {"lr": 0.5}), ("Muon", {"lr": 0.5, "weight_decay": 0.1}),
    ("Prodigy", {}), ("Prodigy", {"weight_decay": 0.05, "d0": 1e-3, "beta2": 0.9}),
])
def test_scalar_steps_walk_the_grid_formulations_path_to_the_bit(name, values):
    assert _path(name, values, scalar=True) == _path(name, values, scalar=False)
