"""Per-step path records (f, gradient, update, state), the book figure to the bit, 2D divergence."""
import numpy as np
import pytest

from nncore import optimizers as O
from nncore.functions import FUNCTIONS
from nncore.paths import OUTCOME_LEFT_BOX, REASONS, trace_path

BOOK_START = (-7.0, 2.0)


def book_solver_points(function, optimizer, start, steps):
    """The pre-change solver's arithmetic (the book's optimizer_compare_naive.py): x and y as two
    0-d float64 arrays in the params dict, the gradient written into two 0-d arrays; the point
    recorded is the optimizer's evaluation point (Schedule-Free's x)."""
    optimizer.reset()
    params = {"x": np.array(float(start[0])), "y": np.array(float(start[1]))}
    grads = {"x": np.array(0.0), "y": np.array(0.0)}
    points = [(float(params["x"]), float(params["y"]))]
    for _ in range(steps):
        gx, gy = function.gradient(params["x"], params["y"])
        grads["x"][...] = gx
        grads["y"][...] = gy
        optimizer.update(params, grads)
        points.append((float(optimizer.evaluation_point("x", params["x"])),
                       float(optimizer.evaluation_point("y", params["y"]))))
    return np.array(points)


@pytest.mark.parametrize("name", list(O.OPTIMIZERS))
def test_book_figure_points_are_the_pre_change_solvers_to_the_bit(name):
    fn = FUNCTIONS["book"]
    expected = book_solver_points(fn, O.create(name, **O.path_defaults(name)), BOOK_START, 29)
    result = trace_path(fn, O.create(name, **O.path_defaults(name)), BOOK_START, 29)
    assert result.diverged_at is None
    assert result.points.tobytes() == expected.tobytes()


def test_momentum_records_match_the_issue_example():
    """lr 0.1 from (-7, 2): v after step 1 is (0.07, -0.40), step 2's gradient (-0.693, 3.2)."""
    result = trace_path(FUNCTIONS["book"], O.Momentum(lr=0.1), BOOK_START, 3)
    np.testing.assert_allclose(result.state["v"][:2], [[0.07, -0.4], [0.1323, -0.68]])
    np.testing.assert_allclose(result.gradients[:2], [[-0.7, 4.0], [-0.693, 3.2]])
    np.testing.assert_array_equal(result.updates, np.diff(result.points, axis=0))
    np.testing.assert_allclose(result.updates, result.state["v"], rtol=1e-12)  # W <- W + v
    assert result.f == pytest.approx([FUNCTIONS["book"].f(*p) for p in result.points])


@pytest.mark.parametrize("name, names", [("SGD", set()), ("Momentum", {"v"}), ("AdaGrad", {"h"}),
                                         ("RMSprop", {"h"}), ("Adam", {"m", "v", "iter"})])
def test_state_is_recorded_per_step_by_the_books_names(name, names):
    result = trace_path(FUNCTIONS["book"], O.create(name, **O.path_defaults(name)), BOOK_START, 10)
    assert set(result.state) == names
    for state_name, values in result.state.items():
        assert len(values) == 10
        assert values.shape == ((10,) if state_name == "iter" else (10, 2))
    if name == "Adam":
        assert result.state["iter"].tolist() == list(range(1, 11))
    if name == "AdaGrad":  # h is the running sum of squared gradients
        np.testing.assert_allclose(result.state["h"], np.cumsum(result.gradients ** 2, axis=0))


def test_sgd_at_lr_100_on_the_book_function_is_flagged_and_its_lists_end_there():
    """y_k = 2 * (-199)^k leaves the box of 1000x the view (half-height 10 000) at step 2."""
    result = trace_path(FUNCTIONS["book"], O.SGD(lr=100), BOOK_START, 29)
    assert result.diverged_at == 2
    assert result.reason == REASONS[OUTCOME_LEFT_BOX]
    assert len(result.points) == 2 and len(result.f) == 2
    assert len(result.gradients) == len(result.updates) == 1
