"""Curve smoothing for noisy per-iteration losses.

``smooth_curve`` is the book's (``common/util.py``): a convolution with a normalised Kaiser
window of length 11 (beta 2) centred on each point, over the series extended by reflection at
both ends (at the start without repeating x[0], at the end repeating x[-1], exactly as the book
pads). Here it is also defined for series shorter than the window (the window shrinks to fit).
``ema`` is the exponential moving average used by TensorBoard-like tools, bias-corrected so
the first values are not pulled towards 0.
"""
from __future__ import annotations

import numpy as np

BOOK_WINDOW = 11


def smooth_curve(x: np.ndarray, window_len: int = BOOK_WINDOW) -> np.ndarray:
    """The book's Kaiser-window smoothing; the result has the same length as ``x``.

    NaN values (an optimizer that diverged) are carried through: the output is NaN where the
    input is, and the finite prefix is smoothed on its own.
    """
    x = np.asarray(x, dtype=np.float64)
    finite = int(np.argmax(~np.isfinite(x))) if not np.isfinite(x).all() else len(x)
    out = np.full(len(x), np.nan)
    n = finite
    if n == 0:
        return out
    # Odd window no longer than the series, so the mirrored padding stays inside it.
    length = min(window_len, n if n % 2 else n - 1)
    if length < 3:
        out[:n] = x[:n]
        return out
    half = length // 2
    s = np.r_[x[half:0:-1], x[:n], x[n - 1:n - 1 - half:-1]]
    w = np.kaiser(length, 2)
    out[:n] = np.convolve(w / w.sum(), s, mode="valid")
    return out


def ema(x: np.ndarray, strength: float) -> np.ndarray:
    """Bias-corrected exponential moving average with weight ``strength`` in [0, 1) on the past:

    m_i = strength * m_{i-1} + (1 - strength) * x_i,  output_i = m_i / (1 - strength^(i+1)).
    ``strength`` 0 returns x unchanged. NaN entries stay NaN and do not poison later values.
    """
    if not 0.0 <= strength < 1.0:
        raise ValueError(f"strength must be in [0, 1), got {strength}")
    x = np.asarray(x, dtype=np.float64)
    out = np.full(len(x), np.nan)
    m = 0.0
    count = 0
    for i, value in enumerate(x):
        if not np.isfinite(value):
            continue
        count += 1
        m = strength * m + (1.0 - strength) * value
        out[i] = m / (1.0 - strength ** count)
    return out
