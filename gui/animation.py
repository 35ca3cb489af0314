"""The 2D paths growing step by step, as an animated GIF or an MP4 video (for slides).

Frames are drawn by a :class:`gui.path_panel.PathPanel` of their own (the window's panel is left
alone) through its public ``set_paths(paths, steps_shown)`` and ``show_steps(n)``, so each frame
looks exactly like the window: contours, minima, start point, the paths so far and the legend.
The plot's title carries the step counter ("Rosenbrock: step 12 / 100"), outside the data.

A run longer than MAX_FRAMES steps is sampled evenly (the first and last step always shown);
the last frame is held for HOLD_SECONDS so the end can be read before the loop restarts.

- GIF: written by Pillow (a 256-colour palette per frame, loops forever).
- MP4: H.264 written by the ffmpeg binary that the ``imageio-ffmpeg`` package ships (install
  ``optimizer-lab[video]``); refused with a message naming the package when it is missing.

Files are written atomically (:func:`nncore.results.atomic_write`); failures raise
:class:`nncore.results.ExportError` naming the file.
"""
from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Iterator, TextIO

import numpy as np
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QDialog, QFormLayout, QLabel, QWidget

from nncore import ranges
from nncore.functions import get_function
from nncore.paths import PathResult
from nncore.files import ExportError, atomic_write
from nncore.settings import Settings

from . import style
from .form_widgets import ok_cancel_buttons
from .number_box import NumberBox

FORMATS = {".gif": "GIF", ".mp4": "MP4"}
"""Suffix -> the format written for it."""
DEFAULT_WIDTH = 800
DEFAULT_FPS = 10
ASPECT = 0.75
"""Frame height / width."""
MAX_FRAMES = 600
"""At most this many distinct frames (a minute at 10 frames per second)."""
HOLD_SECONDS = 1.5
"""How long the last frame stays before the animation loops or ends."""


def animation_format(path: Path | str) -> str:
    """'GIF' or 'MP4' for ``path``'s suffix; ExportError naming the suffixes that work."""
    suffix = Path(path).suffix.lower()
    if suffix not in FORMATS:
        problem = f"cannot write {suffix} animations" if suffix else "the name has no suffix"
        raise ExportError(path, f"{problem}; end the name in {' or '.join(FORMATS)}")
    return FORMATS[suffix]


def frame_steps(total_steps: int, max_frames: int = MAX_FRAMES) -> list[int]:
    """The steps shown by successive frames: 0 .. ``total_steps``, all of them if they fit in
    ``max_frames``, else ``max_frames`` evenly spaced ones (0 and ``total_steps`` included)."""
    if total_steps + 1 <= max_frames:
        return list(range(total_steps + 1))
    return sorted({round(i * total_steps / (max_frames - 1)) for i in range(max_frames)})


def frame_size(width: int) -> tuple[int, int]:
    """(width, height) of the frames for a requested ``width``: both even (H.264 needs it)."""
    ranges.ANIMATION_WIDTH.check(width)
    height = int(round(width * ASPECT))
    return width - width % 2, height - height % 2


def _rgb(image: QImage) -> np.ndarray:
    """``image`` as an (height, width, 3) uint8 array (the rows' padding dropped)."""
    image = image.convertToFormat(QImage.Format.Format_RGB888)
    rows = np.frombuffer(image.constBits(), np.uint8).reshape(image.height(), image.bytesPerLine())
    return rows[:, :image.width() * 3].reshape(image.height(), image.width(), 3).copy()


def render_frames(settings: Settings, paths: dict[str, PathResult], width: int) -> Iterator[np.ndarray]:
    """The frames (height, width, 3 uint8 arrays) of ``paths`` on ``settings``' function and start,
    one per step of :func:`frame_steps`. Needs a QApplication."""
    from .path_panel import PathPanel

    size = frame_size(width)
    panel = PathPanel()
    panel.set_function(settings.paths.function)
    panel.set_start(*settings.paths.start)
    panel.set_paths(paths, steps_shown=0)
    panel.resize(*size)
    name = get_function(settings.paths.function).name
    total = panel.total_steps
    try:
        for step in frame_steps(total):
            panel.show_steps(step)
            panel.plot_item.setTitle(f"{name}: step {step} / {total}", color=style.FOREGROUND,
                                     size="11pt")
            image = panel.grab().toImage()
            if (image.width(), image.height()) != size:  # a high-DPI screen: back to the asked size
                image = image.scaled(*size)
            yield _rgb(image)
    finally:
        panel.deleteLater()


def write_animation(path: Path | str, settings: Settings, paths: dict[str, PathResult],
                    width: int = DEFAULT_WIDTH, fps: int = DEFAULT_FPS) -> Path:
    """Write the animation of ``paths`` to ``path`` (.gif or .mp4) at ``width`` px and ``fps``
    frames per second; return ``path``. ExportError (naming the file) on any failure."""
    fmt = animation_format(path)
    try:
        ranges.ANIMATION_FPS.check(fps)
        frame_size(width)
    except ValueError as error:
        raise ExportError(path, str(error)) from None
    if not paths:
        raise ExportError(path, "there are no 2D paths to animate: run the 2D task first")
    if fmt == "MP4":
        encoder = _ffmpeg(path)
    frames = render_frames(settings, paths, width)
    hold = max(1, math.ceil(HOLD_SECONDS * fps))

    def write_gif(temporary: Path) -> None:
        from PIL import Image

        # Fast octree quantisation: Pillow's default (median cut) took ~0.2 s per 800 px frame.
        images = [Image.fromarray(frame).quantize(256, Image.Quantize.FASTOCTREE) for frame in frames]
        durations = [round(1000 / fps)] * len(images)
        durations[-1] = round(1000 * hold / fps)
        images[0].save(temporary, format="GIF", save_all=True, append_images=images[1:],
                       duration=durations, loop=0)

    def write_mp4(temporary: Path) -> None:
        writer = encoder.write_frames(str(temporary), frame_size(width), fps=fps, codec="libx264",
                                      pix_fmt_out="yuv420p", macro_block_size=2, quality=8,
                                      output_params=["-f", "mp4"], ffmpeg_log_level="error")
        writer.send(None)  # start ffmpeg
        try:
            last = None
            for last in frames:
                writer.send(last.tobytes())
            for _ in range(hold - 1):
                writer.send(last.tobytes())
        finally:
            writer.close()

    try:
        return atomic_write(path, write_gif if fmt == "GIF" else write_mp4)
    except (OSError, RuntimeError, ValueError) as error:  # Pillow's or ffmpeg's failures
        raise ExportError(path, f"the animation could not be written ({error})") from error


def run_animation(settings: Settings, path: Path | str, width: int = DEFAULT_WIDTH,
                  fps: int = DEFAULT_FPS, stream: TextIO | None = None) -> int:
    """``--animation``: solve the 2D paths of ``settings``, write their animation to ``path`` and
    return the exit status (0, or 2 with one line on ``stream`` when it cannot be written)."""
    from nncore.cli import report_error
    from nncore.experiment import run_paths

    from .headless import offscreen_application

    stream = sys.stderr if stream is None else stream
    offscreen_application()
    try:
        write_animation(path, settings, run_paths(settings), width, fps)
    except ExportError as error:
        return report_error(error, stream)
    print(f"Wrote the animation to {path}", file=stream)
    return 0


class AnimationDialog(QDialog):
    """Asks for the animation's width and frame rate (each checked against its range)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle("Export animation")
        self.width_box = NumberBox(ranges.ANIMATION_WIDTH, 100, "Width of the frames in pixels")
        self.width_box.setObjectName("animationWidthBox")
        self.width_box.setValue(DEFAULT_WIDTH)
        self.fps_box = NumberBox(ranges.ANIMATION_FPS, 1, "Frames (path steps) per second")
        self.fps_box.setObjectName("animationFpsBox")
        self.fps_box.setValue(DEFAULT_FPS)
        buttons = ok_cancel_buttons(self)
        form = QFormLayout(self)
        form.addRow("Width (px)", self.width_box)
        form.addRow("Frames per second", self.fps_box)
        form.addRow(QLabel("The file name decides the format: .gif or .mp4"))
        form.addRow(buttons)

    def choice(self) -> tuple[int, int]:
        """(width in px, frames per second); ValueError naming the range of a refused value."""
        return self.width_box.checked_value(), self.fps_box.checked_value()


def _ffmpeg(path: Path | str):
    """The imageio_ffmpeg module, or ExportError saying how to get it."""
    try:
        import imageio_ffmpeg
    except ImportError:
        raise ExportError(path, "MP4 needs the imageio-ffmpeg package (pip install "
                                "'optimizer-lab[video]'); a .gif works without it") from None
    return imageio_ffmpeg
