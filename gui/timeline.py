"""The 2D animation's clock and its controls: which step of the paths is shown, and playback.

:class:`Timeline` is the one owner of the current step, the number of steps, whether it plays
and at what speed; it has the only clock. Views (the scrubber bar here, the path plot's
current-step markers, the step inspector, the value plot's cursor) read it through its signals
and write through its methods. :class:`TimelineBar` is the view under the 2D plot.
"""
from __future__ import annotations

import time

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtWidgets import QHBoxLayout, QLabel, QSlider, QStyle, QToolButton, QWidget

TICK_MS = 33
"""Period of the playback clock (about 30 frames per second)."""


class Timeline(QObject):
    """Current ``step`` in [0, ``total``], ``playing``, and ``speed`` in steps per second.

    While playing, a clock advances the step by speed × elapsed time; the fractional part is
    carried from tick to tick, so changing the speed keeps the current step and only changes
    how fast it advances. Playback stops at ``total``.
    """

    stepChanged = Signal(int)
    totalChanged = Signal(int)
    playingChanged = Signal(bool)

    def __init__(self, speed: float = 10.0, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.step = 0
        self.total = 0
        self.playing = False
        self.speed = float(speed)
        self._carry = 0.0
        self._last_tick = 0.0
        self.clock = QTimer(self)
        self.clock.setObjectName("timelineClock")
        self.clock.setInterval(TICK_MS)
        self.clock.timeout.connect(self._tick)

    def set_total(self, total: int) -> None:
        """A new number of steps; a step at the old end follows to the new end."""
        total = max(0, int(total))
        if total == self.total:
            return
        at_end = self.step >= self.total
        self.total = total
        self.totalChanged.emit(total)
        self.set_step(total if at_end and not self.playing else min(self.step, total))

    def set_step(self, step: int) -> None:
        """Show step ``step`` (clamped to [0, total])."""
        step = max(0, min(int(step), self.total))
        if step != self.step:
            self.step = step
            self.stepChanged.emit(step)

    def step_by(self, delta: int) -> None:
        """Pause and move ``delta`` steps (the step buttons and the arrow keys)."""
        self.pause()
        self.set_step(self.step + delta)

    def set_speed(self, speed: float) -> None:
        """Steps per second; the current step is kept."""
        self.speed = max(float(speed), 0.0)

    def play(self) -> None:
        """Advance from the current step (from 0 when at the end)."""
        if self.step >= self.total:
            self.set_step(0)
        self._carry = 0.0
        self._last_tick = time.perf_counter()
        if not self.playing:
            self.playing = True
            self.clock.start()
            self.playingChanged.emit(True)

    def play_from_start(self) -> None:
        """Start's meaning for the 2D task: the animation from step 0."""
        self.set_step(0)
        self.play()

    def pause(self) -> None:
        if self.playing:
            self.playing = False
            self.clock.stop()
            self.playingChanged.emit(False)

    def toggle(self) -> None:
        """Play when paused, pause when playing (the play button and Space)."""
        self.pause() if self.playing else self.play()

    def finish(self) -> None:
        """Pause and show every step."""
        self.pause()
        self.set_step(self.total)

    def _tick(self) -> None:
        now = time.perf_counter()
        self._carry += (now - self._last_tick) * self.speed
        self._last_tick = now
        advance = int(self._carry)
        if advance:
            self._carry -= advance
            self.set_step(self.step + advance)
        if self.step >= self.total:
            self.pause()


class TimelineBar(QWidget):
    """Play/pause, step back, step forward and a scrubber (``timelineSlider``) over the steps."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("timelineBar")
        icons = QStyle.StandardPixmap
        self.back_button = self._button("timelineBackButton", icons.SP_MediaSeekBackward,
                                        "Step back (Left)")
        self.play_button = self._button("timelinePlayButton", icons.SP_MediaPlay,
                                        "Play / pause the paths (Space)")
        self.forward_button = self._button("timelineForwardButton", icons.SP_MediaSeekForward,
                                           "Step forward (Right)")
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("timelineSlider")
        self.slider.setToolTip("The step shown: drag to scrub through the paths")
        self.slider.setRange(0, 0)
        self.slider.setMinimumWidth(60)  # a narrow window squeezed it to a dot
        self.label = QLabel("0 / 0")  # no word "step": the bar fits a 1024 px window's column
        self.label.setObjectName("timelineLabel")
        self.label.setToolTip("Current step / number of steps")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("00000 / 00000"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        for widget in (self.back_button, self.play_button, self.forward_button):
            layout.addWidget(widget)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.label)
        self.timeline: Timeline | None = None

    def _button(self, name: str, icon: QStyle.StandardPixmap, tip: str) -> QToolButton:
        button = QToolButton()
        button.setObjectName(name)
        button.setIcon(self.style().standardIcon(icon))
        button.setToolTip(tip)
        button.setAutoRaise(True)
        return button

    # -- setters -----------------------------------------------------------------------------
    def set_total(self, total: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setRange(0, total)
        self.slider.blockSignals(False)
        self._show_label()

    def set_step(self, step: int) -> None:
        self.slider.blockSignals(True)
        self.slider.setValue(step)
        self.slider.blockSignals(False)
        self._show_label()

    def set_playing(self, playing: bool) -> None:
        icon = QStyle.StandardPixmap.SP_MediaPause if playing else QStyle.StandardPixmap.SP_MediaPlay
        self.play_button.setIcon(self.style().standardIcon(icon))
        self.play_button.setProperty("playing", playing)

    def _show_label(self) -> None:
        self.label.setText(f"{self.slider.value()} / {self.slider.maximum()}")

    def bind(self, timeline: Timeline) -> None:
        """Show ``timeline`` and send the user's actions to it."""
        self.timeline = timeline
        timeline.totalChanged.connect(self.set_total)
        timeline.stepChanged.connect(self.set_step)
        timeline.playingChanged.connect(self.set_playing)
        self.slider.valueChanged.connect(lambda value: (timeline.pause(), timeline.set_step(value)))
        self.play_button.clicked.connect(timeline.toggle)
        self.back_button.clicked.connect(lambda: timeline.step_by(-1))
        self.forward_button.clicked.connect(lambda: timeline.step_by(1))
        self.set_total(timeline.total)
        self.set_step(timeline.step)
        self.set_playing(timeline.playing)
