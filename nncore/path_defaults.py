"""Per-function 2D hyperparameters: values that reach each function's minimum in its steps.

The table was chosen by ``bench/path_defaults_sweep.py``: for each function (from its default
start, for its default number of steps) and each optimizer, the learning rate of the 1-2-5 grid
with the lowest final f. The book's function keeps the book's values (figure 6-8), the saddle
has no minimum to reach; both, and any optimizer the table does not list (e.g. one registered
after the sweep ran), fall back to :func:`nncore.optimizers.path_defaults`.
"""
from __future__ import annotations

from .functions import get_function
from .optimizers import path_defaults

FUNCTION_PATH_HYPERPARAMETERS = {
    "rosenbrock": {
        "SGD": {"lr": 0.002},
        "Momentum": {"lr": 0.001},
        "Nesterov": {"lr": 0.001},
        "AdaGrad": {"lr": 0.1},
        "RMSprop": {"lr": 0.01},
        "Adam": {"lr": 2},
        "AdamW": {"lr": 0.5},
        "Nesterov2016": {"lr": 0.0005},
        "NAdam": {"lr": 5},
        "RAdam": {"lr": 0.0005},
        "Adamax": {"lr": 2},
        "Adadelta": {"lr": 50},
        "AdaBelief": {"lr": 0.5},
        "Lion": {"lr": 0.02},
        "Muon": {"lr": 0.0001},
        "ScheduleFreeAdamW": {"lr": 5},
        "Prodigy": {"lr": 20},
    },
    "beale": {
        "SGD": {"lr": 0.02},
        "Momentum": {"lr": 0.005},
        "Nesterov": {"lr": 0.005},
        "AdaGrad": {"lr": 2},
        "RMSprop": {"lr": 0.2},
        "Adam": {"lr": 0.5},
        "AdamW": {"lr": 0.5},
        "Nesterov2016": {"lr": 0.005},
        "NAdam": {"lr": 0.5},
        "RAdam": {"lr": 0.01},
        "Adamax": {"lr": 1},
        "Adadelta": {"lr": 10},
        "AdaBelief": {"lr": 0.5},
        "Lion": {"lr": 0.1},
        "Muon": {"lr": 0.0001},
        "ScheduleFreeAdamW": {"lr": 1},
        "Prodigy": {"lr": 0.2},
    },
    "himmelblau": {
        "SGD": {"lr": 0.02},
        "Momentum": {"lr": 0.002},
        "Nesterov": {"lr": 0.01},
        "AdaGrad": {"lr": 1},
        "RMSprop": {"lr": 0.1},
        "Adam": {"lr": 2},
        "AdamW": {"lr": 2},
        "Nesterov2016": {"lr": 0.005},
        "NAdam": {"lr": 0.5},
        "RAdam": {"lr": 0.05},
        "Adamax": {"lr": 2},
        "Adadelta": {"lr": 100},
        "AdaBelief": {"lr": 0.05},
        "Lion": {"lr": 0.2},
        "Muon": {"lr": 0.0001},
        "ScheduleFreeAdamW": {"lr": 2},
        "Prodigy": {"lr": 0.2},
    },
    "rastrigin": {
        "SGD": {"lr": 0.001},
        "Momentum": {"lr": 0.05},
        "Nesterov": {"lr": 0.002},
        "AdaGrad": {"lr": 1},
        "RMSprop": {"lr": 0.1},
        "Adam": {"lr": 0.5},
        "AdamW": {"lr": 0.05},
        "Nesterov2016": {"lr": 0.001},
        "NAdam": {"lr": 0.05},
        "RAdam": {"lr": 1},
        "Adamax": {"lr": 0.1},
        "Adadelta": {"lr": 10},
        "AdaBelief": {"lr": 2},
        "Lion": {"lr": 0.02},
        "Muon": {"lr": 0.0001},
        "ScheduleFreeAdamW": {"lr": 1},
        "Prodigy": {"lr": 1},
    },
    "quadratic": {
        "SGD": {"lr": 0.5},
        "Momentum": {"lr": 0.1},
        "Nesterov": {"lr": 0.1},
        "AdaGrad": {"lr": 100},
        "RMSprop": {"lr": 100},
        "Adam": {"lr": 5},
        "AdamW": {"lr": 100},
        "Nesterov2016": {"lr": 0.1},
        "NAdam": {"lr": 2},
        "RAdam": {"lr": 1},
        "Adamax": {"lr": 5},
        "Adadelta": {"lr": 100},
        "AdaBelief": {"lr": 0.2},
        "Lion": {"lr": 2},
        "Muon": {"lr": 0.0001},
        "ScheduleFreeAdamW": {"lr": 10},
        "Prodigy": {"lr": 1},
    },
}
"""Function key -> optimizer name -> the 2D hyperparameters that differ from path_defaults."""


def function_path_defaults(function: str, name: str) -> dict[str, float]:
    """The 2D hyperparameters of optimizer ``name`` on test function ``function``."""
    get_function(function)  # ValueError naming the known functions
    return {**path_defaults(name), **FUNCTION_PATH_HYPERPARAMETERS.get(function, {}).get(name, {})}
