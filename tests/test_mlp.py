"""Layers and MultiLayerNet: backprop against central differences, the book's constructor."""
import numpy as np
import pytest

from nncore.layers import Affine, Relu, Sigmoid, SoftmaxWithLoss, cross_entropy_error, softmax
from nncore.mlp import MultiLayerNet


def small_net(activation="relu", weight_decay=0.0, init="relu", dtype=np.float64, seed=0):
    return MultiLayerNet(6, [5, 4], 3, activation=activation, weight_init_std=init,
                         weight_decay_lambda=weight_decay, dtype=dtype,
                         rng=np.random.default_rng(seed))


def batch(seed=1, n=4):
    rng = np.random.default_rng(seed)
    return rng.standard_normal((n, 6)), rng.integers(0, 3, n)


@pytest.mark.parametrize("activation", ["relu", "sigmoid"])
@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_backprop_matches_numerical_gradient(activation, weight_decay):
    net = small_net(activation, weight_decay)
    x, t = batch()
    analytic = net.gradient(x, t)
    numeric = net.numerical_gradient(x, t)
    assert analytic.keys() == numeric.keys() == net.params.keys()
    for key in net.params:
        a, n = analytic[key], numeric[key]
        relative = np.abs(a - n).max() / max(np.abs(a).max() + np.abs(n).max(), 1e-12)
        assert relative < 1e-6, (key, relative)


def test_numerical_gradient_divides_by_two_h():
    """On a loss whose gradient is known, the central difference equals it (not twice it)."""
    net = small_net(weight_decay=1.0)
    x, t = batch()
    zero = np.zeros_like(x)
    numeric = net.numerical_gradient(zero, t)
    # With x = 0 the first layer's output is b1 = 0, so dL/dW1 is exactly the decay term lambda*W1.
    np.testing.assert_allclose(numeric["W1"], net.params["W1"], rtol=1e-6, atol=1e-9)


def test_loss_and_gradient_returns_the_loss_of_the_same_forward_pass():
    net = small_net()
    x, t = batch()
    loss, grads = net.loss_and_gradient(x, t)
    assert loss == pytest.approx(net.loss(x, t))
    assert set(grads) == set(net.params)


def test_params_are_shared_with_the_layers_so_in_place_updates_take_effect():
    net = small_net()
    x, t = batch()
    before = net.predict(x).copy()
    net.params["b2"] += 1.0  # in place, as an optimizer does
    assert net.layers[2].b is net.params["b2"]
    assert not np.allclose(net.predict(x), before)


def test_constructor_follows_the_book():
    net = MultiLayerNet(784, [100, 100, 100, 100], 10, rng=np.random.default_rng(0))
    shapes = {k: v.shape for k, v in net.params.items()}
    assert shapes == {"W1": (784, 100), "b1": (100,), "W2": (100, 100), "b2": (100,),
                      "W3": (100, 100), "b3": (100,), "W4": (100, 100), "b4": (100,),
                      "W5": (100, 10), "b5": (10,)}
    assert net.params["W1"].dtype == np.float32
    # He initialisation: std sqrt(2/784) for W1 and sqrt(2/100) for W2.
    assert net.params["W1"].std() == pytest.approx(np.sqrt(2 / 784), rel=0.02)
    assert net.params["W2"].std() == pytest.approx(np.sqrt(2 / 100), rel=0.05)
    assert not net.params["b1"].any()


@pytest.mark.parametrize("init, std", [("he", np.sqrt(2 / 400)), ("xavier", np.sqrt(1 / 400)),
                                       ("sigmoid", np.sqrt(1 / 400)), (0.01, 0.01)])
def test_weight_init_options(init, std):
    net = MultiLayerNet(400, [300], 10, weight_init_std=init, rng=np.random.default_rng(0))
    assert net.params["W1"].std() == pytest.approx(std, rel=0.02)


def test_same_rng_seed_gives_same_weights():
    a = MultiLayerNet(10, [8], 3, rng=np.random.default_rng(5))
    b = MultiLayerNet(10, [8], 3, rng=np.random.default_rng(5))
    for key in a.params:
        np.testing.assert_array_equal(a.params[key], b.params[key])


@pytest.mark.parametrize("kwargs, word", [({"activation": "tanh"}, "activation"),
                                          ({"weight_init_std": "lecun"}, "weight_init_std"),
                                          ({"weight_init_std": -1.0}, "weight_init_std"),
                                          ({"weight_decay_lambda": -0.1}, "weight_decay_lambda")])
def test_bad_constructor_arguments_name_the_problem(kwargs, word):
    with pytest.raises(ValueError, match=word):
        MultiLayerNet(4, [3], 2, **kwargs)


def test_accuracy_with_index_and_one_hot_labels():
    net = small_net()
    x, _ = batch(n=20)
    predicted = np.argmax(net.predict(x), axis=1)
    assert net.accuracy(x, predicted) == 1.0
    assert net.accuracy(x, np.eye(3)[predicted]) == 1.0
    assert net.accuracy(x, (predicted + 1) % 3) == 0.0


def test_backward_does_not_modify_the_upstream_gradient():
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 5))
    dout = rng.standard_normal((4, 5))
    for layer in (Relu(), Sigmoid()):
        layer.forward(x)
        kept = dout.copy()
        layer.backward(dout)
        np.testing.assert_array_equal(dout, kept)
    affine = Affine(rng.standard_normal((5, 3)), np.zeros(3))
    affine.forward(x)
    up = rng.standard_normal((4, 3))
    kept = up.copy()
    affine.backward(up)
    np.testing.assert_array_equal(up, kept)


def test_relu_forward_backward():
    relu = Relu()
    np.testing.assert_array_equal(relu.forward(np.array([[-1.0, 0.0, 2.0]])), [[0, 0, 2]])
    np.testing.assert_array_equal(relu.backward(np.array([[5.0, 5.0, 5.0]])), [[0, 0, 5]])


def test_softmax_with_loss():
    scores = np.array([[2.0, 1.0, 0.1], [1000.0, 0.0, -1000.0]])
    y = softmax(scores)
    np.testing.assert_allclose(y.sum(axis=1), 1.0)
    assert np.isfinite(y).all()
    t = np.array([0, 1])
    layer = SoftmaxWithLoss()
    loss = layer.forward(scores, t)
    assert loss == pytest.approx(cross_entropy_error(y, t))
    assert loss == pytest.approx(-(np.log(y[0, 0] + 1e-7) + np.log(y[1, 1] + 1e-7)) / 2)
    expected = y.copy()
    expected[[0, 1], t] -= 1
    np.testing.assert_allclose(layer.backward(), expected / 2)
