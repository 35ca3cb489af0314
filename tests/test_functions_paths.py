"""2D test functions (gradients, minima) and the path solver (book figure 6-8, divergence)."""
import numpy as np
import pytest

from nncore import optimizers as O
from nncore.functions import FUNCTIONS, get_function
from nncore.paths import iter_path, solve_path, trace_path

BOOK_START = (-7.0, 2.0)


@pytest.mark.parametrize("key", list(FUNCTIONS))
def test_analytic_gradient_matches_central_differences(key):
    fn = FUNCTIONS[key]
    x0, x1, y0, y1 = fn.bounds
    rng = np.random.default_rng(0)
    x = rng.uniform(x0, x1, 50)
    y = rng.uniform(y0, y1, 50)
    h = 1e-6
    gx, gy = fn.gradient(x, y)
    nx = (fn.f(x + h, y) - fn.f(x - h, y)) / (2 * h)
    ny = (fn.f(x, y + h) - fn.f(x, y - h)) / (2 * h)
    np.testing.assert_allclose(gx, nx, rtol=1e-5, atol=1e-4)
    np.testing.assert_allclose(gy, ny, rtol=1e-5, atol=1e-4)


@pytest.mark.parametrize("key", list(FUNCTIONS))
def test_minima_are_stationary_and_inside_the_view(key):
    fn = FUNCTIONS[key]
    x0, x1, y0, y1 = fn.bounds
    assert x0 <= fn.start[0] <= x1 and y0 <= fn.start[1] <= y1
    values = [fn.f(*m) for m in fn.minima]
    for (mx, my), value in zip(fn.minima, values):
        assert x0 <= mx <= x1 and y0 <= my <= y1
        assert np.hypot(*fn.gradient(mx, my)) < 1e-3
        assert value == pytest.approx(min(values), abs=1e-6)
        # Lower than every point of a grid over the view (it is the global minimum there).
        gx, gy = np.meshgrid(np.linspace(x0, x1, 201), np.linspace(y0, y1, 201))
        assert value <= fn.f(gx, gy).min() + 1e-6


def test_saddle_has_no_minimum_and_a_stationary_point_at_the_origin():
    fn = FUNCTIONS["saddle"]
    assert fn.minima == ()
    assert fn.gradient(0.0, 0.0) == (0.0, -0.0)


def test_book_function_is_the_default_and_first():
    assert list(FUNCTIONS)[0] == "book"
    fn = get_function("book")
    assert fn.f(-7.0, 2.0) == pytest.approx(49 / 20 + 4)
    assert fn.start == BOOK_START


def test_unknown_function_names_the_choices():
    with pytest.raises(ValueError, match="unknown function 'sphere'.*book"):
        get_function("sphere")


def book_path(name, steps=29):
    return solve_path(FUNCTIONS["book"], O.create(name, **O.path_defaults(name)), BOOK_START, steps)


def test_path_shape_and_start_row():
    points = book_path("SGD", steps=29)
    assert points.shape == (30, 2)
    assert tuple(points[0]) == BOOK_START


def test_sgd_path_is_the_books_zigzag_in_closed_form():
    """lr 0.95 on x^2/20 + y^2: x_k = -7 * 0.905^k, y_k = 2 * (-0.9)^k."""
    points = book_path("SGD")
    k = np.arange(30)
    np.testing.assert_allclose(points[:, 0], -7 * 0.905 ** k, rtol=1e-12)
    np.testing.assert_allclose(points[:, 1], 2 * (-0.9) ** k, rtol=1e-12)


@pytest.mark.parametrize("name, first", [
    ("Momentum", (-7 + 0.1 * 0.7, 2 - 0.1 * 4)),  # first step is plain SGD with lr 0.1
    ("AdaGrad", (-7 + 1.5, 2 - 1.5)),  # g / sqrt(g^2) = sign(g): a step of lr on both axes
    ("Adam", (-7 + 0.3, 2 - 0.3)),  # bias-corrected first step is lr * sign(g)
])
def test_first_step_of_the_books_figures(name, first):
    assert book_path(name)[1] == pytest.approx(first, abs=1e-5)  # epsilon 1e-7 shifts Adam a little


@pytest.mark.parametrize("name", O.BOOK_OPTIMIZERS)
def test_books_four_paths_end_near_the_minimum(name):
    """Figure 6-8: each of the four reaches the neighbourhood of (0, 0) within 29 updates."""
    assert np.hypot(*book_path(name)[-1]) < 1.0


def test_adagrad_kills_the_y_oscillation_quickly_while_sgd_zigzags():
    adagrad = book_path("AdaGrad")
    sgd = book_path("SGD")
    assert np.all(np.abs(adagrad[5:, 1]) < 0.1)
    assert np.all(np.sign(sgd[1:, 1]) == -np.sign(sgd[:-1, 1]))


def test_generator_streams_the_same_points():
    fn = FUNCTIONS["rosenbrock"]
    streamed = np.array(list(iter_path(fn, O.Adam(lr=0.05), fn.start, 40)))
    np.testing.assert_array_equal(streamed, solve_path(fn, O.Adam(lr=0.05), fn.start, 40))


def test_divergent_path_stops_at_the_last_finite_point_and_says_why():
    result = trace_path(FUNCTIONS["rosenbrock"], O.SGD(lr=0.1), (-1.5, 2.5), 100)
    assert result.diverged_at is not None and 1 <= result.diverged_at <= 100
    assert len(result.points) == result.diverged_at
    assert np.isfinite(result.points).all()
    assert result.reason


def test_path_that_does_not_diverge_reports_nothing():
    result = trace_path(FUNCTIONS["book"], O.SGD(lr=0.95), BOOK_START, 29)
    assert result.diverged_at is None and result.reason is None


def test_negative_steps_rejected():
    with pytest.raises(ValueError, match="steps"):
        solve_path(FUNCTIONS["book"], O.SGD(), BOOK_START, -1)


def test_divergence_codes_apply_the_rule_at_its_boundaries():
    """Box of 1000x the view around its centre; f above 1e6 * max(1, f(start)); non-finite first."""
    from nncore.paths import (OUTCOME_FINITE, OUTCOME_LEFT_BOX, OUTCOME_NOT_FINITE, OUTCOME_VALUE,
                              divergence_codes)
    bounds = (-10.0, 10.0, -5.0, 15.0)  # centre (0, 5); box half-sizes 10000 and 10000
    x = np.array([10000.0, 10000.001, 0.0, 0.0, np.nan, 0.0, 0.0])
    y = np.array([5.0, 5.0, 10005.0, 10005.1, 0.0, 0.0, 0.0])
    f = np.array([0.0, 0.0, 0.0, 0.0, 0.0, 1e6, 1e6 + 1])
    codes = divergence_codes(x, y, f, bounds, f_start=0.5)  # max(1, 0.5) = 1
    assert codes.tolist() == [OUTCOME_FINITE, OUTCOME_LEFT_BOX, OUTCOME_FINITE, OUTCOME_LEFT_BOX,
                              OUTCOME_NOT_FINITE, OUTCOME_FINITE, OUTCOME_VALUE]
    assert divergence_codes(0.0, 0.0, 2.1e7, bounds, f_start=20.0) == OUTCOME_VALUE
    assert divergence_codes(0.0, 0.0, 2.0e7, bounds, f_start=20.0) == OUTCOME_FINITE


@pytest.mark.parametrize("key", list(FUNCTIONS))
def test_analytic_hessian_matches_central_differences_of_the_gradient(key):
    fn = FUNCTIONS[key]
    x0, x1, y0, y1 = fn.bounds
    rng = np.random.default_rng(1)
    x, y = rng.uniform(x0, x1, 30), rng.uniform(y0, y1, 30)
    h = 1e-6
    (fxx, fxy), (fyx, fyy) = fn.hessian(x, y)
    dxx = (fn.gradient(x + h, y)[0] - fn.gradient(x - h, y)[0]) / (2 * h)
    dxy = (fn.gradient(x, y + h)[0] - fn.gradient(x, y - h)[0]) / (2 * h)
    dyy = (fn.gradient(x, y + h)[1] - fn.gradient(x, y - h)[1]) / (2 * h)
    for analytic, numeric in ((fxx, dxx), (fxy, dxy), (fyx, dxy), (fyy, dyy)):
        np.testing.assert_allclose(np.broadcast_to(analytic, x.shape), numeric, rtol=1e-5, atol=1e-3)


@pytest.mark.parametrize("key", list(FUNCTIONS))
def test_saddles_and_maxima_are_stationary_with_the_right_curvature(key):
    fn = FUNCTIONS[key]
    for points, signs in ((fn.saddles, "mixed"), (fn.maxima, "negative")):
        for x, y in points:
            assert np.hypot(*fn.gradient(x, y)) < 1e-3
            eigenvalues = np.linalg.eigvalsh(np.array(fn.hessian(x, y), dtype=float))
            if signs == "mixed":
                assert eigenvalues[0] < 0 < eigenvalues[1]
            else:
                assert eigenvalues[1] < 0


def test_himmelblau_has_four_minima_four_saddles_and_one_maximum():
    fn = FUNCTIONS["himmelblau"]
    assert (len(fn.minima), len(fn.saddles), len(fn.maxima)) == (4, 4, 1)
    assert fn.f_star == pytest.approx(0.0, abs=1e-9)
    assert FUNCTIONS["saddle"].f_star is None
