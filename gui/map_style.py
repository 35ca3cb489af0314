"""Colours shared by the map instruments (hyperparameter map, basin map) and their legends, and
the words their titles add for a learning-rate schedule."""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from nncore.schedules import ScheduleSpec

from . import style

VALUE_COLORMAP = "viridis"
"""Colour map of log10(final f - f*): dark is close to the minimum, yellow far from it."""
DIVERGED_COLOR = "#ff2fa8"
"""The one marked colour of diverged cells (not in viridis, not an optimizer's colour)."""
UNCONVERGED_COLOR = "#d9d9d9"
BASIN_COLORS = ("#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#edc948", "#76b7b2", "#9c755f",
                "#bab0ac")
"""Colours of the basins of the minima, in the order of the function's list of minima."""
THEORY_PEN = pg.mkPen("#222222", width=2, style=pg.QtCore.Qt.PenStyle.DashLine)
"""The theoretical stability boundary drawn over a map."""
MARKER_BRUSH = pg.mkBrush(255, 255, 255, 230)
MARKER_PEN = pg.mkPen(style.FOREGROUND, width=2)


def basin_color(outcome: int) -> str:
    """The colour of a basin outcome: minimum index >= 0, -1 diverged, -2 unconverged."""
    if outcome == -1:
        return DIVERGED_COLOR
    if outcome == -2:
        return UNCONVERGED_COLOR
    return BASIN_COLORS[outcome % len(BASIN_COLORS)]


def rgba(color: str) -> np.ndarray:
    """``color`` as a (4,) uint8 RGBA array."""
    return np.array(QColor(color).getRgb(), dtype=np.uint8)


def schedule_title(schedule: ScheduleSpec | None) -> str:
    """What a map's title adds for a learning-rate schedule: ``" (lr: cosine, warmup 5)"``, or
    nothing without one."""
    if schedule is None:
        return ""
    return f" (lr: {schedule.text()}" + (f", warmup {schedule.warmup})" if schedule.warmup else ")")
