"""Smoothing: the book's Kaiser-window curve (exactly) and the EMA."""
import numpy as np
import pytest

from nncore.smoothing import ema, smooth_curve


def book_smooth_curve(x):
    """Verbatim algorithm of the book's common/util.py, the reference."""
    window_len = 11
    s = np.r_[x[window_len - 1:0:-1], x, x[-1:-window_len:-1]]
    w = np.kaiser(window_len, 2)
    y = np.convolve(w / w.sum(), s, mode="valid")
    return y[5:len(y) - 5]


def test_matches_the_book_on_long_series():
    x = np.random.default_rng(0).random(300)
    np.testing.assert_allclose(smooth_curve(x), book_smooth_curve(x), rtol=1e-12)


@pytest.mark.parametrize("n", range(0, 13))
def test_defined_for_short_series(n):
    x = np.linspace(1.0, 2.0, n)
    y = smooth_curve(x)
    assert y.shape == (n,) and np.isfinite(y).all()
    if n:
        assert 1.0 - 1e-12 <= y.min() and y.max() <= 2.0 + 1e-12


def test_constant_series_is_unchanged():
    np.testing.assert_allclose(smooth_curve(np.full(40, 3.0)), 3.0)


def test_nan_tail_is_kept():
    x = np.r_[np.linspace(2, 1, 30), np.full(10, np.nan)]
    y = smooth_curve(x)
    assert np.isfinite(y[:30]).all() and np.isnan(y[30:]).all()
    np.testing.assert_allclose(y[:30], smooth_curve(x[:30]))


def test_ema_formula_and_bias_correction():
    x = np.array([1.0, 3.0])
    # m1 = 0.1, m1 / 0.1 = 1; m2 = 0.9*0.1 + 0.1*3 = 0.39, / (1 - 0.81) = 2.0526...
    np.testing.assert_allclose(ema(x, 0.9), [1.0, 0.39 / 0.19])
    np.testing.assert_array_equal(ema(x, 0.0), x)
    np.testing.assert_allclose(ema(np.full(50, 2.0), 0.99), 2.0)


def test_ema_skips_nan():
    y = ema(np.array([1.0, np.nan, 1.0]), 0.5)
    assert np.isnan(y[1]) and y[2] == pytest.approx(1.0)


def test_ema_rejects_bad_strength():
    with pytest.raises(ValueError, match="strength"):
        ema(np.ones(3), 1.0)
