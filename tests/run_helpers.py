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
