"""Settings: defaults are the book's, JSON round trip, validation messages, presets."""
import json

import pytest

from nncore.settings import PRESETS, Settings


def test_defaults_are_the_books():
    s = Settings()
    assert s.optimizers == ("SGD", "Momentum", "AdaGrad", "Adam")
    assert {n: s.hyperparameters("paths", n)["lr"] for n in s.optimizers} == {
        "SGD": 0.95, "Momentum": 0.1, "AdaGrad": 1.5, "Adam": 0.3}
    assert s.hyperparameters("mnist", "Adam") == {"lr": 0.001, "beta1": 0.9, "beta2": 0.999}
    assert (s.paths.function, s.paths.start, s.paths.steps) == ("book", (-7.0, 2.0), 29)
    m = s.mnist
    assert (m.iterations, m.batch_size, m.hidden_sizes, m.activation, m.weight_init) == (
        2000, 128, (100, 100, 100, 100), "relu", "he")


def test_json_round_trip():
    s = Settings(optimizers=("Adam", "RMSprop"))
    s.paths.start = (1.5, -2.0)
    s.mnist.hidden_sizes = (50, 20)
    s.mnist_hyperparameters["Adam"]["beta1"] = 0.8
    again = Settings.from_dict(json.loads(json.dumps(s.to_dict())))
    assert again == s


def test_partial_dict_keeps_defaults():
    s = Settings.from_dict({"mnist": {"iterations": 50}})
    assert s.mnist.iterations == 50 and s.mnist.batch_size == 128 and s.paths.steps == 29


@pytest.mark.parametrize("data, words", [
    ({"optimizers": ["SGD", "Sophia"]}, ["Sophia"]),
    ({"optimizers": []}, ["no optimizer"]),
    ({"mnist": {"iterations": -5}}, ["iterations", "-5"]),
    ({"mnist": {"batch_size": 0}}, ["batch size"]),
    ({"mnist": {"activation": "tanh"}}, ["activation", "tanh"]),
    ({"mnist": {"weight_init": "lecun"}}, ["weight init"]),
    ({"mnist": {"hidden_sizes": []}}, ["hidden"]),
    ({"mnist": {"colour": 1}}, ["mnist.colour"]),
    ({"paths": {"function": "sphere"}}, ["sphere"]),
    ({"paths": {"start": [1.0]}}, ["start"]),
    ({"mnist_hyperparameters": {"Adam": {"beta1": 1.0}}}, ["Adam", "beta1", "[0, 1)"]),
    ({"path_hyperparameters": {"SGD": {"lr": -1}}}, ["SGD", "2D", "lr"]),
    ({"path_hyperparameters": {"SGD": {"momentum": 0.5}}}, ["momentum"]),
    ({"speed": 3}, ["speed"]),
    ([], ["object"]),
])
def test_bad_values_name_the_problem(data, words):
    with pytest.raises(ValueError) as info:
        Settings.from_dict(data)
    for word in words:
        assert word in str(info.value)


def test_weight_init_may_be_a_number():
    assert Settings.from_dict({"mnist": {"weight_init": "0.01"}}).mnist.weight_init == "0.01"


def test_presets():
    s = Settings(optimizers=("Adam",))
    s.paths.function = "rosenbrock"
    s.mnist.iterations = 10
    s.mnist.same_initial_weights = False
    paths = PRESETS["Book figure 6-8 (2D paths)"](s)
    assert paths.paths.function == "book" and paths.optimizers == ("SGD", "Momentum", "AdaGrad", "Adam")
    assert paths.mnist.iterations == 10  # MNIST part untouched
    assert paths.task == "paths"  # the figure's task: figure 6-8 draws paths
    mnist = PRESETS["Book figure 6-9 (MNIST)"](s)
    assert mnist.mnist.iterations == 2000 and mnist.paths.function == "rosenbrock"
    assert mnist.task == "mnist"
    assert PRESETS["Fair comparison"](s).mnist.same_initial_weights
    assert s.mnist.iterations == 10 and not s.mnist.same_initial_weights  # input not mutated
