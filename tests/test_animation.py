"""The 2D paths as an animation (issue 12, item 26): GIF and MP4, from the window and --animation."""
import dataclasses

import numpy as np
import pytest
from PIL import Image
from PySide6.QtWidgets import QDialog, QFileDialog

from gui.animation import HOLD_SECONDS, AnimationDialog, frame_steps, render_frames, write_animation
from main import main
from nncore.cli import UsageError, parse_command_line
from nncore.experiment import run_paths
from nncore.files import ExportError
from nncore.settings import Settings

RUN_TIMEOUT = 60_000


@pytest.fixture
def book():
    settings = dataclasses.replace(Settings(), paths=dataclasses.replace(Settings().paths, steps=12))
    return settings, run_paths(settings)


def test_frames_are_every_step_until_there_are_too_many():
    assert frame_steps(3) == [0, 1, 2, 3]
    assert frame_steps(599, max_frames=600) == list(range(600))  # exactly fits
    sampled = frame_steps(600, max_frames=600)
    assert len(sampled) == 600 and sampled[0] == 0 and sampled[-1] == 600
    assert frame_steps(100_000, max_frames=5) == [0, 25_000, 50_000, 75_000, 100_000]


def test_each_frame_shows_one_more_step(qtbot, book):
    settings, paths = book
    frames = list(render_frames(settings, paths, 400))
    assert len(frames) == 13 and frames[0].shape == (300, 400, 3)
    changed = [not np.array_equal(a, b) for a, b in zip(frames, frames[1:])]
    assert all(changed)
    sgd = np.array([0x1F, 0x77, 0xB4])  # SGD's colour: more of it as the path grows
    amount = [np.count_nonzero(np.all(np.abs(f.astype(int) - sgd) < 20, axis=2)) for f in frames]
    assert amount[-1] > amount[1] > 0


def test_a_gif_holds_every_step_and_then_the_end(qtbot, book, tmp_path):
    settings, paths = book
    target = write_animation(tmp_path / "paths.gif", settings, paths, width=320, fps=5)
    with Image.open(target) as gif:
        assert gif.format == "GIF" and gif.size == (320, 240) and gif.n_frames == 13
        durations = []
        for index in range(gif.n_frames):
            gif.seek(index)
            durations.append(gif.info["duration"])
    assert durations[:-1] == [200] * 12 and durations[-1] == pytest.approx(1000 * HOLD_SECONDS, abs=200)


def test_an_mp4_has_a_frame_per_step_and_the_held_end(qtbot, book, tmp_path):
    import imageio_ffmpeg
    settings, paths = book
    target = write_animation(tmp_path / "paths.mp4", settings, paths, width=320, fps=10)
    assert target.read_bytes()[4:8] == b"ftyp"
    frames, seconds = imageio_ffmpeg.count_frames_and_secs(str(target))
    assert frames == 13 + int(HOLD_SECONDS * 10) - 1


@pytest.mark.parametrize("name, width, fps, problem", [
    ("paths.jpg", 400, 10, "cannot write .jpg animations"),
    ("paths", 400, 10, "the name has no suffix"),
    ("paths.gif", 99, 10, r"animation width in pixels must be a whole number in \[100, 3840\]"),
    ("paths.gif", 400, 61, r"animation frame rate must be a whole number in \[1, 60\]"),
])
def test_bad_requests_are_refused_by_name(qtbot, book, tmp_path, name, width, fps, problem):
    settings, paths = book
    with pytest.raises(ExportError, match=problem):
        write_animation(tmp_path / name, settings, paths, width, fps)
    assert list(tmp_path.iterdir()) == []


def test_the_command_line_writes_an_animation_without_a_window(tmp_path, capsys):
    target = tmp_path / "slides.gif"
    assert main(["--task", "paths", "--steps", "5", "--animation", str(target),
                 "--animation-width", "200", "--animation-fps", "4"]) == 0
    with Image.open(target) as gif:
        assert gif.size == (200, 150) and gif.n_frames == 6
    assert f"Wrote the animation to {target}" in capsys.readouterr().err


@pytest.mark.parametrize("argv, problem", [
    (["--task", "mnist", "--animation", "a.gif"], "--animation draws the 2D paths"),
    (["--animation", "a.png"], "ending in .gif or .mp4"),
    (["--animation", ".gif"], "ending in .gif or .mp4"),
    (["--animation", "a.gif", "--animation-fps", "0"], r"\[1, 60\]"),
    (["--animation", "a.gif", "--autorun"], "without a window"),
])
def test_bad_animation_flags_are_usage_errors(argv, problem):
    with pytest.raises(UsageError, match=problem):
        parse_command_line(argv)


def test_the_window_exports_the_last_runs_paths(qtbot, window, monkeypatch, tmp_path, dialogs):
    export = window.findChild(object, "exportAnimationAction")
    export.trigger()
    assert dialogs == [("Nothing to animate", "There are no 2D paths yet: run the 2D task first.")]
    with qtbot.waitSignal(window.runFinished, timeout=RUN_TIMEOUT):
        window.start()
    chosen = []

    def accept(dialog):
        dialog.width_box.setValue(300)
        dialog.fps_box.setValue(20)
        chosen.append(dialog.choice())
        return QDialog.DialogCode.Accepted

    monkeypatch.setattr(AnimationDialog, "exec", accept)
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(tmp_path / "run"), ""))
    export.trigger()
    assert chosen == [(300, 20)] and len(dialogs) == 1
    with Image.open(tmp_path / "run.gif") as gif:  # the suffix was added
        assert gif.size == (300, 224) and gif.n_frames == window.path_panel.total_steps + 1
