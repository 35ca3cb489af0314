"""The main window's status bar: what the window is doing, the diverged optimizers, and an MNIST
run's iterations, progress bar, speed and elapsed and remaining time (or the 2D step shown)."""
from __future__ import annotations

from PySide6.QtWidgets import QLabel, QProgressBar, QStatusBar

from nncore.experiment import MnistHistory

STATE_TEXT_CHARS = 60
"""The state label shows this much of a failure's reason; its tooltip has all of it."""
STATE_TIP = "What the window is doing"
DIVERGED_TIP = "Optimizers that diverged in this run"


def elided(text: str, characters: int) -> str:
    """``text`` cut to ``characters`` characters with an ellipsis if longer."""
    return text if len(text) <= characters else text[:characters - 1] + "\u2026"


def format_duration(seconds: float) -> str:
    """``seconds`` as m:ss (or h:mm:ss)."""
    seconds = max(0, int(round(seconds)))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def _set_growing_text(label: QLabel, text: str) -> None:
    """Set ``label``'s text; its minimum width only ever grows to fit, so a status bar label
    is never clipped ("Step 29 / 2") and does not make its neighbours jump while counting."""
    label.setText(text)
    label.setMinimumWidth(max(label.minimumWidth(), label.sizeHint().width()))


def _label(name: str, tip: str) -> QLabel:
    label = QLabel()
    label.setObjectName(name)
    label.setToolTip(tip)
    return label


class RunStatus:
    """The labels and the progress bar a window's status bar shows, and how they are filled."""

    def __init__(self, bar: QStatusBar) -> None:
        self.progress_bar = QProgressBar()
        self.progress_bar.setObjectName("progressBar")
        self.progress_bar.setToolTip("Progress of the MNIST training")
        self.progress_bar.setMaximumWidth(200)
        self.progress_bar.setTextVisible(True)
        self.progress_bar.hide()  # shown with an MNIST run's progress: an empty bar says nothing
        self.iteration_label = _label("iterationLabel", "Iterations done / total")
        self.speed_label = _label("speedLabel", "Training iterations per second (all optimizers together)")
        self.time_label = _label("timeLabel", "Elapsed and estimated remaining training time")
        self.diverged_label = _label("divergedLabel", DIVERGED_TIP)
        self.diverged_label.setStyleSheet("color: #b00020;")
        self.state_label = _label("stateLabel", STATE_TIP)
        self.state_label.setText("Ready")
        bar.addWidget(self.state_label)
        bar.addWidget(self.diverged_label, 1)
        for widget in (self.iteration_label, self.speed_label, self.time_label, self.progress_bar):
            bar.addPermanentWidget(widget)

    def show_state(self, text: str) -> None:
        """What the window is doing: Ready, Running…, Stopping…, Finished, Stopped."""
        self.state_label.setText(text)

    def show_failure(self, reason: str) -> None:
        """A failed run: the reason's first line, cut to STATE_TEXT_CHARS; all of it in the tooltip."""
        first = reason.splitlines()[0] if reason else "unknown reason"
        self.state_label.setText(f"Failed: {elided(first, STATE_TEXT_CHARS)}")
        self.state_label.setToolTip(f"The run failed: {reason}")

    def clear(self) -> None:
        """Empty the progress, speed, time and divergence of an earlier run."""
        for label in (self.iteration_label, self.speed_label, self.time_label, self.diverged_label):
            label.clear()
        self.progress_bar.reset()
        self.progress_bar.hide()
        self.state_label.setToolTip(STATE_TIP)

    def show_progress(self, history: MnistHistory, running: bool) -> None:
        """An MNIST run's iterations, progress, speed (it/s) and elapsed time; the remaining time
        while ``running`` and unfinished."""
        done, total = history.completed, history.total
        _set_growing_text(self.iteration_label, f"Iteration {done} / {total}")
        self.progress_bar.setRange(0, total)
        self.progress_bar.setValue(done)
        self.progress_bar.show()
        if history.elapsed > 0 and done:
            rate = done / history.elapsed
            self.speed_label.setText(f"{rate:,.0f} it/s")
            elapsed = f"Elapsed {format_duration(history.elapsed)}"
            if running and not history.finished:  # no estimate for a run that ended
                elapsed += f", remaining {format_duration((total - done) / rate)}"
            self.time_label.setText(elapsed)

    def show_step(self, step: int, total: int) -> None:
        """The 2D step the timeline shows (when no MNIST run is shown)."""
        _set_growing_text(self.iteration_label, f"Step {step} / {total}")

    def show_diverged(self, text: str, reasons: str) -> None:
        """The optimizers that diverged or stopped learning; their reasons in the tooltip."""
        self.diverged_label.setText(text)
        self.diverged_label.setToolTip(reasons or DIVERGED_TIP)
