"""Helpers shared by the tests of nncore's MNIST runner (pytest puts tests/ on sys.path)."""


def drain(generator):
    """Run a generator to its end: (the list of everything it yielded, the value it returned)."""
    updates = []
    while True:
        try:
            updates.append(next(generator))
        except StopIteration as done:
            return updates, done.value


def result(generator):
    """Run a generator to its end and return the value it returned."""
    return drain(generator)[1]


def single_path(fn, name, values, start, steps, schedule=None, sigma=0.0, seed=0):
    """The single path of optimizer ``name`` with 2D ``values`` from ``start`` (its lr following
    ``schedule`` when given; gradients noisy with ``sigma`` > 0) and whether it diverged by the
    one 2D rule (``divergence_codes``) or stopped on a non-finite number: what every map cell,
    basin start and cloud run must equal."""
    import numpy as np

    from nncore.optimizers import create
    from nncore.paths import divergence_codes, trace_path
    from nncore.schedules import scheduled
    from nncore.sweeps import noisy_function

    function = noisy_function(fn, sigma, seed) if sigma else fn
    single = trace_path(function, scheduled(create(name, **values), schedule, steps), start, steps)
    x, y = single.points[1:, 0], single.points[1:, 1]
    with np.errstate(over="ignore"):
        codes = divergence_codes(x, y, fn.f(x, y), fn.bounds, fn.f(*start))
    return single, single.diverged_at is not None or bool(codes.any())


def rosenbrock_map_inputs(name, x_cells, y_cells):
    """What a map of optimizer ``name`` on Rosenbrock runs on in the tests: (the function, its 2D
    values with lr 0.001, an lr axis of ``x_cells`` cells around it, and an axis of ``y_cells``
    cells around its default second hyperparameter, None for an optimizer without one)."""
    from nncore.functions import get_function
    from nncore.maps import declared, default_axis, default_y
    from nncore.optimizers import path_defaults

    base = path_defaults(name)
    base["lr"] = 0.001
    y_name = default_y(name)
    x_axis = default_axis(declared(name, "lr"), base["lr"], x_cells)
    y_axis = None if y_name is None else default_axis(declared(name, y_name), base[y_name], y_cells)
    return get_function("rosenbrock"), base, x_axis, y_axis
