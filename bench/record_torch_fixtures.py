"""Record reference trajectories of ``torch.optim`` for the optimizers PyTorch has, so that
tests/test_optimizers_torch.py can check nncore's rules against them without torch.

For every case: a random float64 matrix W (4 x 3) and vector b (5,), 50 steps whose gradient is
that of a noisy quadratic, g_t = c * p_t + n_t (c and n_t drawn once and stored), and the
parameters after each of torch's steps. Written to tests/fixtures/torch_optimizers.npz (arrays)
and tests/fixtures/torch_optimizers.json (per case: the nncore optimizer and hyperparameters,
the torch class and arguments, and the epsilon nncore must use).

Where the book's convention differs from PyTorch's, the case aligns them: the book's Adam and
AdamW add epsilon to sqrt(v) with the bias correction folded into the step size (lr_t), PyTorch
to sqrt(v / (1 - beta2^t)); the two agree exactly only at epsilon = 0, so both sides use 0 there.

Usage: python bench/record_torch_fixtures.py   (needs torch: pip install -e ".[bench]")
"""
from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import torch

STEPS = 50
SEED = 20261125
FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures"

CASES = {
    # name: (nncore optimizer, its hyperparameters, nncore epsilon (None: its own),
    #        torch class, torch arguments)
    "Nesterov": ("Nesterov", {"lr": 0.05, "momentum": 0.9}, None,
                 "SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    "RMSprop": ("RMSprop", {"lr": 0.01, "decay_rate": 0.9}, None,
                "RMSprop", {"lr": 0.01, "alpha": 0.9, "eps": 1e-7}),
    "Adam": ("Adam", {"lr": 0.01, "beta1": 0.9, "beta2": 0.99}, 0.0,
             "Adam", {"lr": 0.01, "betas": (0.9, 0.99), "eps": 0.0}),
    "AdamW": ("AdamW", {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.1}, 0.0,
              "AdamW", {"lr": 0.01, "betas": (0.9, 0.99), "eps": 0.0, "weight_decay": 0.1}),
    "NAdam": ("NAdam", {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "momentum_decay": 0.004,
                        "weight_decay": 0.01}, None,
              "NAdam", {"lr": 0.01, "betas": (0.9, 0.99), "eps": 1e-7, "momentum_decay": 0.004,
                        "weight_decay": 0.01}),
    "RAdam": ("RAdam", {"lr": 0.01, "beta1": 0.9, "beta2": 0.999, "weight_decay": 0.01}, None,
              "RAdam", {"lr": 0.01, "betas": (0.9, 0.999), "eps": 1e-7, "weight_decay": 0.01}),
    "Adamax": ("Adamax", {"lr": 0.01, "beta1": 0.9, "beta2": 0.99, "weight_decay": 0.01}, None,
               "Adamax", {"lr": 0.01, "betas": (0.9, 0.99), "eps": 1e-7, "weight_decay": 0.01}),
    "Adadelta": ("Adadelta", {"lr": 1.0, "rho": 0.9, "weight_decay": 0.01}, None,
                 "Adadelta", {"lr": 1.0, "rho": 0.9, "eps": 1e-6, "weight_decay": 0.01}),
}

SHAPES = {"W": (4, 3), "b": (5,)}


def problem(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Start, curvature and noise of each parameter: p0, c (shape of p), n (STEPS, shape)."""
    arrays = {}
    for key, shape in SHAPES.items():
        arrays[f"{key}_start"] = rng.standard_normal(shape)
        arrays[f"{key}_curvature"] = rng.uniform(0.5, 2.0, shape)
        arrays[f"{key}_noise"] = 0.5 * rng.standard_normal((STEPS,) + shape)
    return arrays


def torch_trajectory(arrays: dict[str, np.ndarray], cls_name: str, kwargs: dict) -> dict[str, np.ndarray]:
    """The parameters after each of torch's STEPS steps: (STEPS, shape) per key."""
    params = {key: torch.tensor(arrays[f"{key}_start"], dtype=torch.float64, requires_grad=True)
              for key in SHAPES}
    optimizer = getattr(torch.optim, cls_name)(list(params.values()), foreach=False, **kwargs)
    trajectory = {key: np.empty((STEPS,) + shape) for key, shape in SHAPES.items()}
    for t in range(STEPS):
        for key, p in params.items():
            curvature = torch.tensor(arrays[f"{key}_curvature"], dtype=torch.float64)
            noise = torch.tensor(arrays[f"{key}_noise"][t], dtype=torch.float64)
            p.grad = curvature * p.detach() + noise
        optimizer.step()
        for key, p in params.items():
            trajectory[key][t] = p.detach().numpy()
    return trajectory


def main() -> None:
    # float64 for torch's scalar state too (step counts, NAdam's mu_product), not only the tensors
    torch.set_default_dtype(torch.float64)
    FIXTURES.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(SEED)
    arrays: dict[str, np.ndarray] = {}
    meta = {"torch_version": torch.__version__, "steps": STEPS, "seed": SEED,
            "gradient": "g_t = curvature * p_t + noise[t], per parameter", "cases": {}}
    for case, (name, hyperparameters, epsilon, torch_cls, torch_kwargs) in CASES.items():
        inputs = problem(rng)
        expected = torch_trajectory(inputs, torch_cls, torch_kwargs)
        arrays.update({f"{case}/{key}": value for key, value in inputs.items()})
        arrays.update({f"{case}/{key}_expected": value for key, value in expected.items()})
        meta["cases"][case] = {"optimizer": name, "hyperparameters": hyperparameters,
                               "epsilon": epsilon, "torch": torch_cls,
                               "torch_arguments": {k: list(v) if isinstance(v, tuple) else v
                                                   for k, v in torch_kwargs.items()}}
    np.savez_compressed(FIXTURES / "torch_optimizers.npz", **arrays)
    (FIXTURES / "torch_optimizers.json").write_text(json.dumps(meta, indent=1) + "\n")
    print(f"wrote {len(CASES)} cases of {STEPS} steps to {FIXTURES}")


if __name__ == "__main__":
    main()
