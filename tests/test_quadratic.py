"""The rotatable quadratic (issue 9.1): the book's function at its defaults, rotation, settings."""
import json
from dataclasses import replace

import numpy as np
import pytest

from nncore.experiment import run_paths
from nncore.functions import (FUNCTIONS, QUADRATIC, get_function, quadratic, quadratic_key,
                              rotation)
from nncore.optimizers import BOOK_OPTIMIZERS, OPTIMIZERS, create, path_defaults
from nncore.paths import solve_path
from nncore.settings import PathSettings, Settings


def test_default_quadratic_walks_the_books_paths():
    book, default = get_function("book"), get_function(QUADRATIC)
    assert default.start == book.start == (-7.0, 2.0)
    for name in OPTIMIZERS:
        ours = solve_path(default, create(name, **path_defaults(name)), default.start, 29)
        books = solve_path(book, create(name, **path_defaults(name)), book.start, 29)
        assert ours.shape == books.shape == (30, 2)
        np.testing.assert_allclose(ours, books, rtol=0, atol=1e-12)


def test_rotated_quadratic_is_the_book_bowl_turned():
    fn = quadratic(0.1, 2.0, 30.0)
    turn = rotation(30.0)
    np.testing.assert_allclose(fn.start, turn @ np.array([-7.0, 2.0]), atol=1e-15)
    rng = np.random.default_rng(1)
    points = rng.uniform(-5, 5, size=(50, 2))
    turned = points @ turn.T  # R p for every row p
    book = get_function("book")
    np.testing.assert_allclose(fn.f(turned[:, 0], turned[:, 1]), book.f(points[:, 0], points[:, 1]),
                               rtol=1e-12)
    gx, gy = fn.gradient(turned[:, 0], turned[:, 1])
    bx, by = book.gradient(points[:, 0], points[:, 1])
    np.testing.assert_allclose(np.stack([gx, gy], 1), np.stack([bx, by], 1) @ turn.T, atol=1e-12)
    # The gradient is the derivative of f (central differences).
    h = 1e-6
    x, y = 1.3, -0.4
    numeric = ((fn.f(x + h, y) - fn.f(x - h, y)) / (2 * h), (fn.f(x, y + h) - fn.f(x, y - h)) / (2 * h))
    np.testing.assert_allclose(fn.gradient(x, y), numeric, rtol=1e-6)


def _final_values(angle: float) -> dict[str, float]:
    fn = quadratic(0.1, 2.0, angle)
    settings = Settings(task="paths", paths=PathSettings(
        function=QUADRATIC, quadratic_angle=angle, start=fn.start, steps=30))
    return {name: float(fn.f(*result.points[-1])) for name, result in run_paths(settings).items()}


def test_rotation_changes_the_adaptive_optimizers_only():
    """The issue's figures: 30 updates from the rotated start with the book's learning rates."""
    level, turned = _final_values(0.0), _final_values(45.0)
    assert set(level) == set(BOOK_OPTIMIZERS)
    assert level["SGD"] == pytest.approx(1.333e-2, rel=1e-3)
    assert turned["SGD"] == pytest.approx(level["SGD"], rel=1e-9)
    assert level["Momentum"] == pytest.approx(4.794e-2, rel=1e-3)
    assert turned["Momentum"] == pytest.approx(level["Momentum"], rel=1e-9)
    assert level["AdaGrad"] == pytest.approx(7.2e-4, rel=1e-2)
    assert turned["AdaGrad"] == pytest.approx(0.141, rel=1e-2)
    assert level["Adam"] == pytest.approx(0.102, rel=1e-2)
    assert turned["Adam"] == pytest.approx(0.620, rel=1e-2)


def test_quadratic_key_round_trips_and_bad_parameters_are_refused():
    assert quadratic_key(0.1, 2, 0) == QUADRATIC
    key = quadratic_key(0.5, 3.25, -12.5)
    assert key == "quadratic:0.5,3.25,-12.5"
    assert get_function(key) is quadratic(0.5, 3.25, -12.5)
    assert get_function(key).quadratic_form == (0.5, 3.25, -12.5)
    assert get_function("book").quadratic_form == (0.1, 2.0, 0.0)
    assert get_function("rosenbrock").quadratic_form is None
    assert QUADRATIC in FUNCTIONS
    with pytest.raises(ValueError, match="positive"):
        quadratic(0.0, 1.0, 0.0)
    with pytest.raises(ValueError, match="quadratic:L1,L2,THETA"):
        get_function("quadratic:1,2")


def test_settings_carry_the_quadratic_and_old_files_still_load():
    settings = Settings(paths=PathSettings(function=QUADRATIC, quadratic_lambda1=0.5,
                                           quadratic_angle=45.0)).validate()
    assert settings.paths.function_key() == "quadratic:0.5,2,45"
    again = Settings.from_dict(json.loads(json.dumps(settings.to_dict())))
    assert again.paths == settings.paths
    old = Settings().to_dict()
    for key in ("quadratic_lambda1", "quadratic_lambda2", "quadratic_angle", "noise",
                "noise_seed", "cloud"):
        del old["paths"][key]
    assert Settings.from_dict(old).paths == PathSettings()
    for field, value, message in (("quadratic_lambda1", 0.0, r"quadratic curvature .* \(0, 1000000\]"),
                                  ("quadratic_angle", 400.0, r"quadratic angle .*\[-360, 360\]"),
                                  ("noise", -1.0, r"gradient noise sigma .*\[0, 1000000\]"),
                                  ("cloud", 5000, r"cloud size .*\[0, 1000\]")):
        with pytest.raises(ValueError, match=message):
            replace(settings, paths=replace(settings.paths, **{field: value})).validate()
    big = replace(settings, paths=replace(settings.paths, noise=0.1, cloud=100, steps=20_000))
    with pytest.raises(ValueError, match=r"cloud size x \(steps \+ 1\) must be at most 2,000,000, got 100 x 20001"):
        big.validate()
    replace(big, paths=replace(big.paths, noise=0.0)).validate()  # no noise: no cloud is run
