"""nncore's rules against torch.optim's, on trajectories recorded by
bench/record_torch_fixtures.py (no torch needed here): 50 float64 steps on a random matrix and
vector, agreeing to 1e-10.

Adam and AdamW use epsilon = 0 on both sides: the book adds epsilon to sqrt(v) with the bias
correction folded into lr_t, PyTorch to sqrt(v / (1 - beta2^t)), which agree only at 0.
"""
import json
from pathlib import Path

import numpy as np
import pytest

from nncore import optimizers as O

FIXTURES = Path(__file__).resolve().parent / "fixtures"
META = json.loads((FIXTURES / "torch_optimizers.json").read_text())
ARRAYS = np.load(FIXTURES / "torch_optimizers.npz")


def run_nncore(case: str, spec: dict) -> dict[str, np.ndarray]:
    """nncore's trajectory on the case's problem: (steps, shape) per parameter."""
    steps = META["steps"]
    keys = ("W", "b")
    params = {key: ARRAYS[f"{case}/{key}_start"].copy() for key in keys}
    optimizer = O.create(spec["optimizer"], **spec["hyperparameters"])
    trajectory = {key: np.empty((steps,) + params[key].shape) for key in keys}
    for t in range(steps):
        grads = {key: ARRAYS[f"{case}/{key}_curvature"] * params[key] + ARRAYS[f"{case}/{key}_noise"][t]
                 for key in keys}
        optimizer.update(params, grads)
        for key in keys:
            trajectory[key][t] = params[key]
    return trajectory


def test_fixtures_cover_every_optimizer_pytorch_has():
    assert set(META["cases"]) == {"Nesterov", "RMSprop", "Adam", "AdamW", "NAdam", "RAdam",
                                  "Adamax", "Adadelta"}


@pytest.mark.parametrize("case", sorted(META["cases"]))
def test_agrees_with_torch_optim(case, monkeypatch):
    spec = META["cases"][case]
    if spec["epsilon"] is not None:
        monkeypatch.setattr(O, "EPSILON", spec["epsilon"])
    trajectory = run_nncore(case, spec)
    for key, values in trajectory.items():
        expected = ARRAYS[f"{case}/{key}_expected"]
        assert np.abs(values - expected).max() <= 1e-10, (case, key)
    # the parameters really moved: the comparison is not between two resting points
    assert np.abs(trajectory["W"][-1] - ARRAYS[f"{case}/W_start"]).max() > 1e-2


def test_nesterov2016_differs_from_torch_nesterov():
    """The 2016 rule is not Nesterov's method: it leaves the torch trajectory at once."""
    spec = dict(META["cases"]["Nesterov"], optimizer="Nesterov2016")
    trajectory = run_nncore("Nesterov", spec)
    assert np.abs(trajectory["W"][0] - ARRAYS["Nesterov/W_expected"][0]).max() > 1e-3
