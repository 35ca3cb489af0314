"""Each optimizer's update rule against steps computed by hand, plus the shared contract."""
import math

import numpy as np
import pytest

from nncore import optimizers as O

EPS = 1e-7


def step(optimizer, p0, grads_seq):
    """Apply `optimizer` to a 0-d parameter starting at p0 with the given gradients; list of p."""
    params = {"p": np.array(p0)}
    history = []
    for g in grads_seq:
        optimizer.update(params, {"p": np.array(g)})
        history.append(float(params["p"]))
    return history


def test_sgd_rule():
    assert step(O.SGD(lr=0.1), 1.0, [2.0, -1.0]) == pytest.approx([0.8, 0.9])


def test_momentum_rule():
    # v1 = -0.1*2 = -0.2, p1 = 0.8; v2 = 0.9*-0.2 - 0.1*1 = -0.28, p2 = 0.52
    assert step(O.Momentum(lr=0.1, momentum=0.9), 1.0, [2.0, 1.0]) == pytest.approx([0.8, 0.52])


def test_nesterov_rule_is_the_books_fixed_one():
    # the author's 2021 fix: p += m*m*v - (1+m) lr g; then v = m v - lr g
    # step 1: p = 1 + 0 - 1.9*0.1*2 = 0.62, v = -0.2
    # step 2: p = 0.62 + 0.81*-0.2 - 1.9*0.1*1 = 0.268, v = 0.9*-0.2 - 0.1 = -0.28
    optimizer = O.Nesterov(lr=0.1, momentum=0.9)
    assert step(optimizer, 1.0, [2.0, 1.0]) == pytest.approx([0.62, 0.268], rel=1e-12)
    assert optimizer.state_for("p")["v"] == pytest.approx(-0.28, rel=1e-12)


def test_nesterov2016_keeps_the_books_2016_rule():
    # 2016: v *= m; v -= lr g; p += m*m*v; p -= (1+m) lr g
    # step 1: v = -0.2, p = 1 + 0.81*-0.2 - 1.9*0.2 = 0.458
    # step 2: v = 0.9*-0.2 - 0.1 = -0.28, p = 0.458 + 0.81*-0.28 - 1.9*0.1 = 0.0412
    assert step(O.Nesterov2016(lr=0.1, momentum=0.9), 1.0, [2.0, 1.0]) == pytest.approx([0.458, 0.0412])
    assert O.Nesterov2016.display_name == "Nesterov (book 2016)"
    assert "m\u00b3" in O.Nesterov2016.note and "(1 + m)" in O.Nesterov2016.note


def test_adagrad_rule():
    # h1 = 4, p1 = 1 - 0.1*2/(2+eps); h2 = 5, p2 = p1 - 0.1*1/(sqrt(5)+eps)
    p1 = 1 - 0.1 * 2 / (2 + EPS)
    p2 = p1 - 0.1 / (math.sqrt(5) + EPS)
    assert step(O.AdaGrad(lr=0.1), 1.0, [2.0, 1.0]) == pytest.approx([p1, p2], rel=1e-12)


def test_rmsprop_rule():
    # h1 = 0.01*4 = 0.04; p1 = 1 - 0.1*2/(0.2+eps)
    # h2 = 0.99*0.04 + 0.01*1 = 0.0496; p2 = p1 - 0.1*1/(sqrt(0.0496)+eps)
    p1 = 1 - 0.1 * 2 / (0.2 + EPS)
    p2 = p1 - 0.1 / (math.sqrt(0.0496) + EPS)
    assert step(O.RMSprop(lr=0.1, decay_rate=0.99), 1.0, [2.0, 1.0]) == pytest.approx([p1, p2], rel=1e-12)


def adam_by_hand(p, grads, lr, b1, b2, weight_decay=0.0):
    m = v = 0.0
    out = []
    for t, g in enumerate(grads, start=1):
        p -= lr * weight_decay * p
        lr_t = lr * math.sqrt(1 - b2 ** t) / (1 - b1 ** t)
        m += (1 - b1) * (g - m)
        v += (1 - b2) * (g * g - v)
        p -= lr_t * m / (math.sqrt(v) + EPS)
        out.append(p)
    return out


def test_adam_first_step_moves_by_lr():
    # m1 = 0.1 g, v1 = 0.001 g^2, lr_t = lr sqrt(0.001)/0.1: the step is lr * sign(g) (up to eps).
    [p1] = step(O.Adam(lr=0.3), 1.0, [5.0])
    assert p1 == pytest.approx(0.7, abs=1e-6)


def test_adam_rule_over_several_steps():
    grads = [2.0, -1.0, 0.5, 3.0]
    expected = adam_by_hand(1.0, grads, 0.01, 0.9, 0.999)
    assert step(O.Adam(lr=0.01), 1.0, grads) == pytest.approx(expected, rel=1e-12)


def test_adamw_decays_weights_outside_the_adaptive_scaling():
    grads = [2.0, -1.0, 0.5]
    expected = adam_by_hand(1.0, grads, 0.01, 0.9, 0.999, weight_decay=0.1)
    assert step(O.AdamW(lr=0.01, weight_decay=0.1), 1.0, grads) == pytest.approx(expected, rel=1e-12)
    # With zero gradients Adam does not move, AdamW still shrinks the weight by lr*wd per step.
    assert step(O.AdamW(lr=0.1, weight_decay=0.5), 2.0, [0.0]) == pytest.approx([2.0 * (1 - 0.05)])


def test_book_default_hyperparameters():
    assert O.SGD().lr == 0.01
    assert (O.Momentum().lr, O.Momentum().momentum) == (0.01, 0.9)
    assert (O.Nesterov().lr, O.Nesterov().momentum) == (0.01, 0.9)
    assert O.AdaGrad().lr == 0.01
    assert (O.RMSprop().lr, O.RMSprop().decay_rate) == (0.01, 0.99)
    adam = O.Adam()
    assert (adam.lr, adam.beta1, adam.beta2) == (0.001, 0.9, 0.999)


@pytest.mark.parametrize("name", list(O.OPTIMIZERS))
def test_update_is_in_place_for_matrices_and_scalars(name):
    w = np.random.default_rng(1).standard_normal((3, 4)).astype(np.float32)
    original = w.copy()
    s = np.array(1.5)
    params = {"W": w, "s": s}
    optimizer = O.create(name)
    optimizer.update(params, {"W": np.ones_like(w), "s": np.array(1.0)})
    assert params["W"] is w and params["s"] is s
    assert w.dtype == np.float32
    # A positive gradient moves every optimizer's first step downhill.
    assert float(s) < 1.5 and np.all(w < original)


@pytest.mark.parametrize("name", list(O.OPTIMIZERS))
def test_reset_forgets_state(name):
    optimizer = O.create(name)
    first = step(optimizer, 1.0, [2.0, 1.0, -0.5])
    optimizer.reset()
    assert step(optimizer, 1.0, [2.0, 1.0, -0.5]) == first


@pytest.mark.parametrize("name, lr", [("SGD", 0.1), ("Momentum", 0.05), ("Nesterov", 0.05),
                                      ("AdaGrad", 0.5), ("RMSprop", 0.01), ("Adam", 0.05),
                                      ("AdamW", 0.05)])
def test_converges_on_a_quadratic(name, lr):
    """f(p) = 0.5 * sum(a_i (p_i - c_i)^2) with curvatures 0.5..4: every optimizer reaches c."""
    a = np.array([0.5, 1.0, 4.0])
    c = np.array([1.0, -2.0, 0.5])
    params = {"p": np.zeros(3)}
    optimizer = O.create(name, lr=lr, **({"weight_decay": 0.0} if name == "AdamW" else {}))
    for _ in range(3000):
        optimizer.update(params, {"p": a * (params["p"] - c)})
    np.testing.assert_allclose(params["p"], c, atol=2e-2)


def test_every_optimizer_declares_valid_hyperparameters():
    for name, cls in O.OPTIMIZERS.items():
        declared = cls.hyperparameters
        assert declared and declared[0].name == "lr", name
        assert declared[0].log_scale
        for hp in declared:
            assert hp.contains(hp.default), (name, hp)
            assert 0 < hp.step and (hp.decimals >= 1 or hp.step >= 1) and hp.description


def test_registry_order_is_stable_and_lists_the_books_four_first():
    assert list(O.OPTIMIZERS)[:2] == ["SGD", "Momentum"]
    assert set(O.BOOK_OPTIMIZERS) <= set(O.OPTIMIZERS)
    assert set(O.BOOK_PATH_LEARNING_RATES) == set(O.OPTIMIZERS)


@pytest.mark.parametrize("kwargs, words", [
    ({"lr": -0.1}, ["lr", "(0, 100]"]),
    ({"lr": 0.0}, ["lr"]),
    ({"lr": float("nan")}, ["lr"]),
    ({"beta1": 1.0}, ["beta1", "[0, 1)"]),
    ({"beta2": 1.5}, ["beta2"]),
    ({"lr": "fast"}, ["lr", "number"]),
    ({"momentum": 0.9}, ["momentum", "no hyperparameter"]),
])
def test_invalid_values_raise_value_error_naming_the_hyperparameter(kwargs, words):
    with pytest.raises(ValueError) as info:
        O.Adam(**kwargs)
    for word in words:
        assert word in str(info.value)


def test_create_unknown_optimizer_lists_the_known_ones():
    with pytest.raises(ValueError, match="unknown optimizer 'Adamix'.*SGD"):
        O.create("Adamix")


def test_state_for_reports_the_book_state_by_attribute_name():
    """Momentum's v, AdaGrad's h and Adam's m, v and iter, as copies; SGD has none."""
    from nncore.optimizers import SGD, AdaGrad, Adam, Momentum
    grads = {"x": np.array(0.5)}
    expected = {SGD: set(), Momentum: {"v"}, AdaGrad: {"h"}, Adam: {"m", "v", "iter"}}
    for cls, names in expected.items():
        optimizer = cls()
        params = {"x": np.array(1.0)}
        optimizer.update(params, grads)
        state = optimizer.state_for("x")
        assert set(state) == names
        optimizer.update(params, grads)
        if cls is Momentum:
            assert state["v"] == pytest.approx(-0.01 * 0.5)  # the copy kept the first step's v
    assert Adam().state_for("x") == {"iter": 0.0}
