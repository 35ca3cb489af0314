"""The 2D path solver's fast formulations give the generic formulation's bits.

nncore computes some rules' 2D path step in Python floats (a NumPy call per operation on a 1 x 2
matrix or a (2,) array costs more than the arithmetic); these tests compare them with the
generic NumPy code they replace, bit for bit. Maps, basins and clouds (tests/test_sweeps*.py)
compare the same single paths with the array formulations of whole grids.
"""
from __future__ import annotations

import numpy as np

from nncore.optimizers import create
from nncore.optimizers_recent import newton_schulz, newton_schulz_pair


def test_newton_schulz_pair_equals_newton_schulz_of_the_1x2_matrix_to_the_bit():
    rng = np.random.default_rng(8)
    pairs = rng.standard_normal((20000, 2)) * np.exp(rng.uniform(-30, 30, (20000, 1)))
    pairs[:5] = [[0.0, 0.0], [1.0, 0.0], [0.0, -3.0], [1e-300, 1e-300], [5.0, 5.0]]
    for u0, u1 in pairs:
        expected = newton_schulz(np.array([[u0, u1]]), 5)[0]
        assert newton_schulz_pair(float(u0), float(u1), 5) == (expected[0], expected[1])


def _muon_path(weight_decay: float, scalar: bool) -> list[tuple[float, float]]:
    """Muon's first 50 positions on f = x^2/20 + y^2 from (-7, 2): with ``scalar`` the 2D pair
    step (two 0-d parameters), else one run of the stacked formulation (``cells``, (1,) arrays)."""
    optimizer = create("Muon", lr=0.5, weight_decay=weight_decay)
    if scalar:
        params = {"x": np.array(-7.0), "y": np.array(2.0)}
        grads = {"x": np.array(0.0), "y": np.array(0.0)}
    else:
        optimizer.cells = True
        params = {"x": np.array([-7.0]), "y": np.array([2.0])}
        grads = {"x": np.array([0.0]), "y": np.array([0.0])}
    points = []
    for _ in range(50):
        grads["x"][...] = params["x"] / 10
        grads["y"][...] = 2 * params["y"]
        optimizer.update(params, grads)
        points.append((float(np.ravel(params["x"])[0]), float(np.ravel(params["y"])[0])))
    return points


def test_muon_pair_step_walks_the_stacked_formulations_path_to_the_bit():
    for weight_decay in (0.0, 0.1):
        assert _muon_path(weight_decay, scalar=True) == _muon_path(weight_decay, scalar=False)
