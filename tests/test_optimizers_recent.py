"""The newer optimizers that PyTorch lacks, tested by the properties that define them, and the
elementwise rules tested for array-valued hyperparameters (one value per cell of a 2D grid)."""
import math

import numpy as np
import pytest

from nncore import optimizers as O
from nncore.optimizers_recent import (AdaBelief, Lion, Muon, Prodigy, RAdam, ScheduleFreeAdamW,
                                      newton_schulz)


def test_lion_moves_every_coordinate_by_exactly_lr():
    rng = np.random.default_rng(0)
    params = {"W": rng.standard_normal((6, 4)), "b": rng.standard_normal(4)}
    optimizer = Lion(lr=0.01, beta1=0.9, beta2=0.99)
    for _ in range(20):
        before = {key: p.copy() for key, p in params.items()}
        optimizer.update(params, {key: rng.standard_normal(p.shape) for key, p in params.items()})
        for key, p in params.items():
            np.testing.assert_allclose(np.abs(p - before[key]), 0.01, rtol=0, atol=1e-14)


def test_radam_takes_unadapted_steps_while_rho_is_at_most_five():
    optimizer = RAdam(lr=0.1, beta1=0.9, beta2=0.999)
    assert [optimizer.rho(t) <= 5 for t in range(1, 8)] == [True] * 5 + [False] * 2
    params = {"p": np.array(1.0)}
    m, p = 0.0, 1.0
    grads = [2.0, -1.0, 0.5, 3.0, 1.5, 1.0]
    for t, g in enumerate(grads, start=1):
        optimizer.update(params, {"p": np.array(g)})
        m = 0.9 * m + 0.1 * g
        unadapted = p - 0.1 * m / (1 - 0.9 ** t)
        if t <= 5:  # plain SGD on the bias-corrected momentum
            assert float(params["p"]) == pytest.approx(unadapted, rel=1e-13)
        else:  # the sixth step is adapted and differs from it
            assert abs(float(params["p"]) - unadapted) > 1e-3
        p = float(params["p"])


def test_newton_schulz_maps_a_gaussian_matrix_to_singular_values_near_one():
    matrix = np.random.default_rng(1).standard_normal((784, 100))
    result = newton_schulz(matrix)
    assert result.shape == (784, 100)
    singular = np.linalg.svd(result, compute_uv=False)
    assert singular.min() >= 0.5 and singular.max() <= 1.5
    # the input's singular values spread over a factor of ~2.3: orthogonalisation really happened
    original = np.linalg.svd(matrix, compute_uv=False)
    assert original.max() / original.min() > 2


def test_muon_orthogonalises_hidden_matrices_and_hands_the_rest_to_adamw():
    rng = np.random.default_rng(2)
    shapes = {"W1": (5, 6), "b1": (6,), "W2": (6, 3), "b2": (3,), "W3": (3, 6), "b3": (6,),
              "W4": (6, 2), "b4": (2,)}
    params = {key: rng.standard_normal(shape) for key, shape in shapes.items()}
    grads = {key: rng.standard_normal(shape) for key, shape in shapes.items()}
    assert Muon.hidden_matrices(params) == ["W2", "W3"]
    before = {key: p.copy() for key, p in params.items()}
    optimizer = Muon(lr=0.02, momentum=0.95, adam_lr=3e-4, beta1=0.9, beta2=0.95)
    optimizer.update(params, grads)
    # first step: momentum buffer = 0.05 g, Nesterov update U = 0.05 g + 0.95 * 0.05 g
    for key, factor in (("W2", 1.0), ("W3", math.sqrt(2))):  # W3 is (in 3, out 6): PyTorch's (6, 3)
        update = newton_schulz(grads[key] * (0.05 + 0.95 * 0.05)) * factor
        np.testing.assert_allclose(before[key] - params[key], 0.02 * update, rtol=1e-12)
    # AdamW's first step moves every other coordinate by adam_lr * sign(g)
    for key in ("W1", "b1", "b2", "b3", "W4", "b4"):
        np.testing.assert_allclose(before[key] - params[key], 3e-4 * np.sign(grads[key]), rtol=1e-6)


def test_muon_on_two_numbers_is_normalised_momentum():
    optimizer = Muon(lr=0.5)
    params = {"x": np.array(-7.0), "y": np.array(2.0)}
    optimizer.update(params, {"x": np.array(-0.7), "y": np.array(4.0)})
    step = np.array([float(params["x"]) + 7.0, float(params["y"]) - 2.0])
    direction = -np.array([-0.7, 4.0]) / np.hypot(-0.7, 4.0)
    assert np.linalg.norm(step) == pytest.approx(0.5 * np.linalg.norm(newton_schulz(np.array([[1.0, 0.0]]))))
    np.testing.assert_allclose(step / np.linalg.norm(step), direction, rtol=1e-12)
    assert 0.25 < np.linalg.norm(step) < 0.75


def test_schedule_free_x_is_the_uniform_average_of_z_without_warmup():
    rng = np.random.default_rng(3)
    params = {"p": rng.standard_normal(4)}
    optimizer = ScheduleFreeAdamW(lr=0.05, warmup_steps=0)
    zs = []
    for _ in range(12):
        optimizer.update(params, {"p": params["p"] * 2.0 + rng.standard_normal(4)})
        state = optimizer.state_for("p")
        zs.append(state["z"])
        np.testing.assert_allclose(state["x"], np.mean(zs, axis=0), rtol=1e-12, atol=1e-14)
        np.testing.assert_allclose(state["y"], 0.1 * state["z"] + 0.9 * state["x"], rtol=1e-12)
        np.testing.assert_array_equal(params["p"], state["y"])  # gradients are taken at y
        np.testing.assert_array_equal(optimizer.evaluation_point("p", params["p"]), state["x"])
    assert not np.allclose(zs[0], zs[-1])


def test_schedule_free_warmup_weights_the_average_by_lr_squared():
    optimizer = ScheduleFreeAdamW(lr=0.1, warmup_steps=4)
    params = {"p": np.array(1.0)}
    zs = []
    for _ in range(6):
        optimizer.update(params, {"p": np.array(1.0)})
        zs.append(float(optimizer.state_for("p")["z"]))
    weights = np.array([0.025, 0.05, 0.075, 0.1, 0.1, 0.1]) ** 2
    assert float(optimizer.state_for("p")["x"]) == pytest.approx(np.dot(weights, zs) / weights.sum(), rel=1e-12)


def test_prodigy_d_never_decreases_and_grows_from_d0():
    rng = np.random.default_rng(4)
    params = {"W": rng.standard_normal((8, 5)), "b": np.zeros(5)}
    optimizer = Prodigy()
    ds = [optimizer.d]
    for _ in range(200):
        grads = {key: 0.5 * (p - 3.0) + 0.3 * rng.standard_normal(p.shape) for key, p in params.items()}
        optimizer.update(params, grads)
        ds.append(optimizer.d)
    assert np.all(np.diff(ds) >= 0)
    assert ds[-1] > 1e3 * ds[0]
    assert np.abs(params["W"] - 3.0).mean() < 1.0  # and it made progress towards the minimum 3


def test_adabelief_matches_the_official_implementation_by_hand():
    """adabelief-pytorch 0.2.1 (rectify=False, decoupled weight decay): eps enters s in place
    every step and again outside the root."""
    lr, b1, b2, eps, wd = 0.01, 0.9, 0.999, 1e-16, 0.1
    optimizer = AdaBelief(lr=lr, beta1=b1, beta2=b2, weight_decay=wd)
    params = {"p": np.array(1.0)}
    p, m, s = 1.0, 0.0, 0.0
    for t, g in enumerate([0.5, -0.2, 0.1, 0.4], start=1):
        optimizer.update(params, {"p": np.array(g)})
        p *= 1 - lr * wd
        m = b1 * m + (1 - b1) * g
        s = b2 * s + (1 - b2) * (g - m) ** 2
        s += eps
        denom = math.sqrt(s) / math.sqrt(1 - b2 ** t) + eps
        p -= lr / (1 - b1 ** t) * m / denom
        assert float(params["p"]) == pytest.approx(p, rel=1e-13)
    assert float(optimizer.state_for("p")["s"]) == pytest.approx(s, rel=1e-13)


ELEMENTWISE = [name for name, cls in O.OPTIMIZERS.items() if cls.elementwise and name in
               ("NAdam", "RAdam", "Adamax", "Adadelta", "AdaBelief", "Lion", "ScheduleFreeAdamW")]


@pytest.mark.parametrize("name", ELEMENTWISE)
def test_elementwise_rules_take_one_hyperparameter_value_per_cell(name):
    """Two cells with their own hyperparameters, run as one array, equal two separate runs."""
    cls = O.OPTIMIZERS[name]
    first = cls.defaults()
    if "weight_decay" in first:
        first["weight_decay"] = 0.0
    changed = {"lr": 0.5, "weight_decay": 0.0, "momentum_decay": 0.5, "warmup_steps": 0.0}
    second = {key: value * changed.get(key, 0.99) for key, value in first.items()}
    if "weight_decay" in second:
        second["weight_decay"] = 0.01
    if "warmup_steps" in second:
        second["warmup_steps"] = 3.0
    cells = cls.__new__(cls)
    O.Optimizer.__init__(cells)  # validated defaults, replaced by arrays below
    for key in first:
        setattr(cells, key, np.array([first[key], second[key]]))
    cells.reset()
    separate = [cls(**first), cls(**second)]
    grid = {"x": np.array([-7.0, -7.0]), "y": np.array([2.0, 2.0])}
    points = [{"x": np.array(-7.0), "y": np.array(2.0)} for _ in separate]
    for _ in range(30):
        cells.update(grid, {"x": grid["x"] / 10, "y": 2 * grid["y"]})
        for optimizer, point in zip(separate, points):
            optimizer.update(point, {"x": point["x"] / 10, "y": 2 * point["y"]})
    for i, point in enumerate(points):
        assert grid["x"][i] == pytest.approx(float(point["x"]), rel=1e-12, abs=1e-14)
        assert grid["y"][i] == pytest.approx(float(point["y"]), rel=1e-12, abs=1e-14)


def test_every_new_rule_reaches_the_minimum_of_the_book_function_region():
    """Each new optimizer at its 2D learning rate ends closer to (0, 0) than it started."""
    from nncore.functions import get_function
    from nncore.paths import trace_path
    function = get_function("book")
    for name in ("NAdam", "RAdam", "Adamax", "Adadelta", "AdaBelief", "Lion", "Muon",
                 "ScheduleFreeAdamW", "Prodigy", "Nesterov2016"):
        result = trace_path(function, O.create(name, **O.path_defaults(name)), (-7.0, 2.0), 29)
        assert result.diverged_at is None, name
        assert function(*result.points[-1]) < 0.5 * function(-7.0, 2.0), name


def test_schedule_free_networks_are_evaluated_at_x_and_train_on_at_y():
    from nncore.data import load_mnist
    from nncore.engine import NetworkStack
    from nncore.experiment import at_evaluation_points
    from nncore.mlp import MultiLayerNet
    (x_train, t_train), (x_test, t_test) = load_mnist()
    net = MultiLayerNet(784, (16,), 10, dtype=np.float64, rng=np.random.default_rng(5))
    stack = NetworkStack([net.params], [ScheduleFreeAdamW(lr=0.01)], batch_size=64, dtype=np.float64)
    for begin in range(0, 640, 64):
        stack.gradients(x_train[begin:begin + 64], t_train[begin:begin + 64])
        stack.update(0)
    optimizer = stack.optimizers[0]
    y = stack.params[0].copy()
    x = optimizer.state_for("all")["x"]
    assert np.abs(x - y).max() > 1e-4
    with at_evaluation_points(stack):
        np.testing.assert_array_equal(stack.params[0], x)
        at_x = stack.accuracy(x_test[:500], t_test[:500])
    np.testing.assert_array_equal(stack.params[0], y)  # training continues from y, bit for bit
    for key, view in stack.network_params(0).items():
        net.params[key][...] = view
    assert stack.accuracy(x_test[:500], t_test[:500]) == pytest.approx(net.accuracy(
        x_test[:500] / 255.0, t_test[:500]))
    reference = MultiLayerNet(784, (16,), 10, dtype=np.float64, rng=np.random.default_rng(5))
    with at_evaluation_points(stack):
        for key, view in stack.network_params(0).items():
            reference.params[key][...] = view
    assert at_x[0] == pytest.approx(reference.accuracy(x_test[:500] / 255.0, t_test[:500]))


def test_muon_trains_in_the_stack_by_layers_as_in_multilayernet():
    """The engine hands Muon per-layer views, so the stack's flat training equals Muon on
    MultiLayerNet's own dict (hidden W2 orthogonalised, the rest AdamW)."""
    from nncore.data import load_mnist, scale_batch
    from nncore.engine import NetworkStack
    from nncore.mlp import MultiLayerNet
    (x_train, t_train), _ = load_mnist()
    net = MultiLayerNet(784, (12, 9), 10, dtype=np.float64, rng=np.random.default_rng(6))
    stack = NetworkStack([net.params], [Muon()], batch_size=32, dtype=np.float64)
    assert set(stack.optimizer_params(0)) == set(net.params)
    reference = Muon()
    for begin in range(0, 160, 32):
        images, labels = x_train[begin:begin + 32], t_train[begin:begin + 32]
        stack.gradients(images, labels)
        stack.update(0)
        _, grads = net.loss_and_gradient(scale_batch(images, np.float64), labels)
        reference.update(net.params, grads)
    for key, value in stack.network_params(0).items():
        np.testing.assert_allclose(value, net.params[key], rtol=1e-9, atol=1e-12, err_msg=key)
    assert set(reference.state["momentum"]) == {"W2"}
