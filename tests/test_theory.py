"""Closed-form rates on quadratics and the measured rate (issue 9.2): every check of the issue."""
import numpy as np
import pytest

from nncore.functions import get_function, quadratic
from nncore.optimizers import create
from nncore.paths import solve_path
from nncore.sweeps import run_many
from nncore.theory import (QuadraticTheory, curvatures, gd_rate, heavy_ball_lr_max,
                           heavy_ball_rate, measured_rate, optimal_hyperparameters,
                           predicted_rate, theory_record)

BOOK = (0.1, 2.0)


def test_sgd_at_the_books_rate_predicted_and_measured_agree():
    book = get_function("book")
    assert curvatures(book) == BOOK
    assert predicted_rate("SGD", {"lr": 0.95}, BOOK) == pytest.approx(0.905, abs=1e-12)
    points = solve_path(book, create("SGD", lr=0.95), book.start, 30)
    assert len(points) == 31
    assert measured_rate(points, (0.0, 0.0)) == pytest.approx(0.905, abs=0.001)


def test_heavy_ball_optimum_and_its_measured_rate():
    theory = QuadraticTheory.of(BOOK)
    assert theory.kappa == pytest.approx(20.0)
    assert theory.heavy_ball_lr_opt == pytest.approx(1.3358, abs=1e-4)
    assert theory.heavy_ball_beta_opt == pytest.approx(0.4026, abs=1e-4)
    assert theory.heavy_ball_rho_opt == pytest.approx(0.6345, abs=1e-4)
    best = optimal_hyperparameters("Momentum", BOOK)
    assert best == {"lr": theory.heavy_ball_lr_opt, "momentum": theory.heavy_ball_beta_opt}
    book = get_function("book")
    points = solve_path(book, create("Momentum", **best), book.start, 300)
    assert len(points) == 301
    assert measured_rate(points, (0.0, 0.0)) == pytest.approx(theory.heavy_ball_rho_opt, rel=0.01)


def test_gradient_descent_closed_forms():
    theory = QuadraticTheory.of(BOOK)
    assert theory.gd_lr_max == 1.0
    assert theory.gd_lr_opt == pytest.approx(2 / 2.1)
    assert theory.gd_rho_opt == pytest.approx(19 / 21)
    assert optimal_hyperparameters("SGD", BOOK) == {"lr": theory.gd_lr_opt}
    assert optimal_hyperparameters("Adam", BOOK) is None
    assert predicted_rate("Adam", {"lr": 0.3}, BOOK) is None


def test_sgd_diverges_exactly_above_lr_one():
    assert gd_rate(1.0, BOOK) == 1.0
    assert gd_rate(1.0 + 1e-9, BOOK) > 1.0 > gd_rate(1.0 - 1e-9, BOOK)
    book = get_function("book")
    lrs = np.array([0.97, 0.99, 1.01, 1.03])
    runs = run_many(book, "SGD", {"lr": lrs}, np.array(book.start), 1000)
    np.testing.assert_array_equal(runs.diverged, [False, False, True, True])
    assert np.all(runs.final_f[:2] < 1e-10)


def test_heavy_ball_diverges_exactly_where_lr_lambda_max_exceeds_two_plus_two_beta():
    betas = np.linspace(0.0, 0.95, 20)
    for beta in betas:
        edge = (2 + 2 * beta) / max(BOOK)
        assert heavy_ball_lr_max(beta, BOOK) == pytest.approx(edge)
        assert heavy_ball_rate(edge * (1 - 1e-9), beta, BOOK) < 1.0
        assert heavy_ball_rate(edge * (1 + 1e-9), beta, BOOK) > 1.0
    # The simulated heavy ball agrees away from the boundary (within 2 % of it).
    lr, beta = np.meshgrid(np.geomspace(0.05, 5.0, 40), betas, indexing="ij")
    book = get_function("book")
    runs = run_many(book, "Momentum", {"lr": lr, "momentum": beta}, np.array(book.start), 3000)
    ratio = lr * max(BOOK) / (2 + 2 * beta)
    clear = np.abs(ratio - 1) > 0.02
    np.testing.assert_array_equal(runs.diverged[clear], (ratio > 1)[clear])


def test_books_momentum_is_slower_than_tuned_gradient_descent():
    rho = predicted_rate("Momentum", {"lr": 0.1, "momentum": 0.9}, BOOK)
    assert rho == pytest.approx(0.949, abs=5e-4)
    assert rho > QuadraticTheory.of(BOOK).gd_rho_opt


def test_measured_rate_needs_points_away_from_the_minimum():
    assert measured_rate(np.zeros((10, 2)), (0.0, 0.0)) is None
    assert measured_rate(np.array([[1.0, 0.0], [0.5, 0.0]]), (0.0, 0.0)) is None
    geometric = np.array([[0.8 ** k, 0.0] for k in range(40)])
    assert measured_rate(geometric, (0.0, 0.0)) == pytest.approx(0.8)


def test_theory_record_for_quadratics_only():
    fn = quadratic(0.1, 2.0, 45.0)
    points = {"SGD": solve_path(fn, create("SGD", lr=0.95), fn.start, 30),
              "Adam": solve_path(fn, create("Adam", lr=0.3), fn.start, 30)}
    record = theory_record(fn, {"SGD": {"lr": 0.95}, "Adam": {"lr": 0.3, "beta1": 0.9,
                                                             "beta2": 0.999}}, points)
    assert record["kappa"] == pytest.approx(20.0)
    assert record["gd"]["lr_max"] == 1.0
    assert record["heavy_ball"]["beta_opt"] == pytest.approx(0.4026, abs=1e-4)
    assert record["optimizers"]["SGD"]["rho_predicted"] == pytest.approx(0.905)
    assert record["optimizers"]["SGD"]["rho_measured"] == pytest.approx(0.905, abs=0.001)
    assert record["optimizers"]["Adam"]["rho_predicted"] is None
    assert theory_record(get_function("rosenbrock"), {}, {}) is None


def test_theory_csv_flattens_the_record():
    from nncore.theory import theory_csv
    fn = get_function("book")
    record = theory_record(fn, {"SGD": {"lr": 0.95}}, {"SGD": solve_path(fn, create("SGD", lr=0.95), fn.start, 30)})
    lines = theory_csv(record).splitlines()
    assert lines[0] == "quantity,value"
    table = dict(line.split(",") for line in lines[1:])
    assert float(table["kappa"]) == pytest.approx(20.0)
    assert float(table["lambdas.2"]) == 2.0
    assert float(table["gd.lr_max"]) == 1.0
    assert float(table["optimizers.SGD.rho_predicted"]) == pytest.approx(0.905)
