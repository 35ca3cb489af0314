"""Path summaries (value plot, run.json) and the words that explain a 2D divergence."""
import pytest

from nncore import optimizers as O
from nncore.functions import FUNCTIONS
from nncore.path_analysis import (distance_to_nearest_minimum, explain_divergence, summarize)
from nncore.paths import trace_path

BOOK = FUNCTIONS["book"]


def test_sgd_at_lr_100_is_explained_by_the_curvature_along_y():
    result = trace_path(BOOK, O.SGD(lr=100), (-7, 2), 29)
    text = explain_divergence(BOOK, "SGD", {"lr": 100}, (-7, 2), result)
    assert text == ("each step multiplies y by 1 \u2212 lr\u00b72 = \u2212199: "
                    "lr \u00d7 curvature (200) is above 2")


def test_momentum_past_the_heavy_ball_limit_names_it():
    hp = {"lr": 2.0, "momentum": 0.9}
    result = trace_path(BOOK, O.Momentum(**hp), (-7, 2), 200)
    assert result.diverged_at is not None
    text = explain_divergence(BOOK, "Momentum", hp, (-7, 2), result)
    assert "lr \u00d7 curvature along y (4) is above 2 + 2\u00b7momentum = 3.8" in text


def test_saddle_divergence_names_the_negative_curvature():
    fn = FUNCTIONS["saddle"]
    result = trace_path(fn, O.SGD(lr=0.1), fn.start, 500)
    assert result.diverged_at is not None
    text = explain_divergence(fn, "SGD", {"lr": 0.1}, fn.start, result)
    assert text.startswith("f curves downward along y at the start (curvature \u22122)")


def test_no_explanation_for_a_path_that_stays():
    result = trace_path(BOOK, O.SGD(lr=0.95), (-7, 2), 29)
    assert explain_divergence(BOOK, "SGD", {"lr": 0.95}, (-7, 2), result) is None


def test_summary_finds_the_first_step_within_the_tolerance():
    result = trace_path(BOOK, O.SGD(lr=0.95), (-7, 2), 300)
    summary = summarize(BOOK, result)
    f = result.f
    assert f[summary.first_within] < 1e-6 <= f[summary.first_within - 1]
    assert summary.final_f == f[-1]
    short = summarize(BOOK, trace_path(BOOK, O.SGD(lr=0.95), (-7, 2), 29))
    assert short.first_within is None
    assert short.text().endswith("not within 1e-06 of the minimum in 29 steps")


def test_distance_to_the_nearest_of_himmelblaus_minima():
    fn = FUNCTIONS["himmelblau"]
    assert distance_to_nearest_minimum(fn, 3.0, 2.5) == pytest.approx(0.5)
    assert distance_to_nearest_minimum(FUNCTIONS["saddle"], 0, 0) is None
