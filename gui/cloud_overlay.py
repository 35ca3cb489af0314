"""Noisy-gradient clouds drawn over the 2D path plot (issue 9.5).

For each optimizer: its K noisy runs as faint lines, their mean path (dashed), and the
one-standard-deviation ellipse of the runs' positions at the current step (from the per-step
covariance of :class:`nncore.sweeps.Cloud`). The overlay owns its items and adds them to a
PlotItem it is given, so the path panel itself needs no change; ``show_step`` follows the path
animation.
"""
from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt

from nncore.sweeps import Cloud

from . import style

MEMBER_ALPHA = 28
"""Opacity (0-255) of each run of a cloud: faint, so the mean path and the ellipse stand out."""
ELLIPSE_POINTS = 64


def ellipse(mean: np.ndarray, covariance: np.ndarray, points: int = ELLIPSE_POINTS) -> np.ndarray:
    """The one-standard-deviation ellipse {mean + L u : |u| = 1}, L L^T = covariance, as
    ``points`` + 1 closed outline points, shape (points + 1, 2); empty if not finite."""
    if not (np.all(np.isfinite(mean)) and np.all(np.isfinite(covariance))):
        return np.empty((0, 2))
    values, vectors = np.linalg.eigh(covariance)
    angles = np.linspace(0.0, 2.0 * np.pi, points + 1)
    circle = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    return mean + (circle * np.sqrt(np.maximum(values, 0.0))) @ vectors.T


class CloudOverlay:
    """The clouds of the last run, drawn into ``plot_item``."""

    def __init__(self, plot_item: pg.PlotItem) -> None:
        self.plot_item = plot_item
        self.clouds: dict[str, Cloud] = {}
        self._items: dict[str, tuple[pg.PlotCurveItem, pg.PlotCurveItem, pg.PlotCurveItem]] = {}
        self.step = 0

    def set_clouds(self, clouds: dict[str, Cloud]) -> None:
        """Show ``clouds`` (optimizer name -> Cloud) instead of the previous ones, at step 0."""
        self.clear()
        self.clouds = dict(clouds)
        for name in self.clouds:
            members = pg.PlotCurveItem(pen=pg.mkPen(style.color(name, MEMBER_ALPHA), width=1))
            mean = pg.PlotCurveItem(pen=pg.mkPen(style.color(name), width=2.5,
                                                 style=Qt.PenStyle.DashLine))
            outline = pg.PlotCurveItem(pen=pg.mkPen(style.color(name), width=2.5))
            # Runs above the contours and under the paths; mean and ellipse above everything.
            for z, item in zip((5, 40, 41), (members, mean, outline)):
                item.setZValue(z)
                self.plot_item.addItem(item)
            self._items[name] = (members, mean, outline)
        self.show_step(0)

    def show_step(self, step: int) -> None:
        """Draw every cloud up to update ``step`` with its ellipse at that step."""
        self.step = step
        for name, cloud in self.clouds.items():
            members, mean, outline = self._items[name]
            last = min(step, cloud.mean.shape[0] - 1)
            shown = cloud.points[:, :last + 1].copy()
            for index, diverged_at in enumerate(cloud.diverged_at):
                if diverged_at:
                    shown[index, diverged_at:] = np.nan  # a diverged run stops where it left
            gap = np.full((len(shown), 1, 2), np.nan)
            joined = np.concatenate([shown, gap], axis=1).reshape(-1, 2)
            members.setData(joined[:, 0], joined[:, 1], connect="finite")
            mean.setData(cloud.mean[:last + 1, 0], cloud.mean[:last + 1, 1], connect="finite")
            ring = ellipse(cloud.mean[last], cloud.covariance[last])
            outline.setData(ring[:, 0], ring[:, 1])

    def clear(self) -> None:
        """Remove every cloud item from the plot."""
        for items in self._items.values():
            for item in items:
                self.plot_item.removeItem(item)
        self._items = {}
        self.clouds = {}
