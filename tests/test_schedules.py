"""Learning-rate schedules: the issue's checks, parsing, validation, and that a schedule
applied to an optimizer changes exactly its lr."""
import math

import numpy as np
import pytest

from nncore.functions import get_function
from nncore.optimizers import create
from nncore.paths import trace_path
from nncore.schedules import (SCHEDULES, ScheduleSpec, ScheduledOptimizer, learning_rates,
                              parse_schedule, scheduled)


def test_cosine_uses_the_mean_of_max_and_min_half_way():
    spec = ScheduleSpec("cosine", {"min": 0.001})
    assert spec.lr(500, 1000, 0.1) == pytest.approx((0.1 + 0.001) / 2, rel=1e-12)
    assert spec.lr(0, 1000, 0.1) == 0.1
    assert spec.lr(999, 1000, 0.1) == pytest.approx(0.001, rel=1e-3)


def test_onecycle_matches_pytorch_onecyclelr_defaults():
    # torch.optim.lr_scheduler.OneCycleLR(max_lr=0.1, total_steps=2000) gives these values
    # (bench/schedules_torch.py compares all 2000).
    rates = learning_rates(ScheduleSpec("onecycle"), 2000, 0.1)
    assert rates[0] == pytest.approx(0.004, rel=1e-12)
    assert rates[599] == pytest.approx(0.1, rel=1e-12)
    assert rates[1999] == pytest.approx(4e-7, rel=1e-9)
    assert max(rates) == rates[599]
    assert all(a <= b for a, b in zip(rates[:600], rates[1:600]))
    assert all(a >= b for a, b in zip(rates[599:], rates[600:]))


def test_step_and_exponential():
    spec = parse_schedule("step:gamma=0.5,every=500")
    assert [spec.lr(t, 2000, 1.0) for t in (0, 499, 500, 1000, 1999)] == [1, 1, 0.5, 0.25, 0.125]
    assert parse_schedule("step").lr(500, 2000, 1.0) == pytest.approx(0.1)  # every = run / 4
    assert parse_schedule("exponential:gamma=0.9").lr(3, 10, 2.0) == pytest.approx(2 * 0.9 ** 3)


def test_warmup_rises_linearly_then_runs_the_schedule_over_the_rest():
    spec = ScheduleSpec("cosine", {"min": 0.0}, warmup=10)
    rates = learning_rates(spec, 110, 1.0)
    assert rates[:10] == pytest.approx([(t + 1) / 10 for t in range(10)])
    assert rates[10] == 1.0
    assert rates[60] == pytest.approx(0.5)  # half-way through the 100 updates after the warmup


@pytest.mark.parametrize("text, message", [
    ("linear", "unknown schedule 'linear'; choose from constant, step"),
    ("cosine:max=1", "schedule cosine has no parameter 'max' (it has min)"),
    ("step:gamma=2", "gamma must be a number in (0, 1], got 2.0"),
    ("step:every=1.5", "every must be a whole number in [0, 1000000], got '1.5'"),
    ("cosine:min", "expected key=value, got 'min'"),
])
def test_bad_schedules_are_refused_with_a_message(text, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(").replace(")", r"\)")
                       .replace("[", r"\[").replace("]", r"\]")):
        parse_schedule(text)


def test_spec_round_trips_through_its_dict_and_text():
    spec = parse_schedule("step:gamma=0.5,every=500")
    assert ScheduleSpec.from_dict(spec.to_dict()) == spec
    assert spec.text() == "step:gamma=0.5,every=500"
    with pytest.raises(ValueError, match="warmup"):
        ScheduleSpec.from_dict({"name": "constant", "warmup": -1})


def test_every_schedule_starts_at_or_below_the_base_rate():
    for name in SCHEDULES:
        rates = learning_rates(ScheduleSpec(name), 100, 0.5)
        assert all(0 < r <= 0.5 for r in rates), name


def test_constant_schedule_is_bit_identical_on_a_2d_path():
    function = get_function("book")
    for name in ("SGD", "Momentum", "Adam"):
        plain = trace_path(function, create(name, lr=0.3), (-7.0, 2.0), 50).points
        wrapped = scheduled(create(name, lr=0.3), ScheduleSpec("constant"), 50)
        assert isinstance(wrapped, ScheduledOptimizer)
        same = trace_path(function, wrapped, (-7.0, 2.0), 50).points
        assert np.array_equal(plain, same)


def test_a_scheduled_optimizer_sets_lr_before_each_update_and_reset_restarts():
    spec = ScheduleSpec("step", {"gamma": 0.5, "every": 1})
    optimizer = scheduled(create("SGD", lr=1.0), spec, 10)
    assert isinstance(optimizer, ScheduledOptimizer) and type(optimizer).__name__ == "SGD"
    params, grads = {"x": np.array(0.0)}, {"x": np.array(-1.0)}
    for _ in range(3):
        optimizer.update(params, grads)
    assert float(params["x"]) == 1.0 + 0.5 + 0.25
    assert optimizer.lr == 0.25
    optimizer.reset()
    assert optimizer.lr == 1.0
    optimizer.update(params, grads)
    assert float(params["x"]) == 2.75


def test_a_cosine_schedule_changes_a_2d_path():
    function = get_function("book")
    plain = trace_path(function, create("SGD", lr=0.9), (-7.0, 2.0), 30).points
    decayed = trace_path(function, scheduled(create("SGD", lr=0.9), ScheduleSpec("cosine"), 30),
                         (-7.0, 2.0), 30).points
    assert np.array_equal(plain[:2], decayed[:2])  # the first update uses the full rate
    assert not np.allclose(plain[5:], decayed[5:])
    assert math.isfinite(decayed[-1, 0])
