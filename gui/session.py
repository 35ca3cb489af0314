"""The window's session in a QSettings store: the controls' Settings (as JSON), the animation
speed, the loss plot's options and the window geometry, written on Start and on close and read
back when the next window opens."""
from __future__ import annotations

import json

from PySide6.QtCore import QByteArray, QSettings

from nncore.settings import Settings

from .controls import DEFAULT_ANIMATION_SPEED, ControlPanel
from .loss_panel import DEFAULT_SMOOTHING, EMA_STRENGTH, SMOOTHING_MODES, LossPanel
from .number_box import parse_number

SESSION_SETTINGS = "session/settings"
SESSION_ANIMATION = "session/animationSpeed"
SESSION_SMOOTHING = "session/lossSmoothing"
SESSION_EMA = "session/emaStrength"
SESSION_LOG_Y = "session/lossLogY"
SESSION_GEOMETRY = "window/geometry"


def load_session(store: QSettings) -> Settings:
    """The Settings saved in ``store`` by the last session, or the defaults if there are none
    or they no longer parse (e.g. written by an older version)."""
    text = store.value(SESSION_SETTINGS)
    if not text:
        return Settings()
    try:
        return Settings.from_dict(json.loads(str(text)))
    except (ValueError, TypeError):
        return Settings()


def restore_view_options(store: QSettings, controls: ControlPanel, loss_panel: LossPanel) -> None:
    """The animation speed and the loss plot's smoothing, EMA strength and log axis of the last
    session (a stored value that is no longer valid gives the default)."""
    controls.animation_spin.setValue(store.value(SESSION_ANIMATION, DEFAULT_ANIMATION_SPEED, type=int))
    smoothing = str(store.value(SESSION_SMOOTHING, DEFAULT_SMOOTHING))
    # Parsed from the stored text: QSettings' type=float gives a float32 (0.8999999761581421).
    strength = parse_number(str(store.value(SESSION_EMA, loss_panel.ema_strength)))
    loss_panel.set_smoothing(smoothing if smoothing in SMOOTHING_MODES else DEFAULT_SMOOTHING,
                             strength if strength is not None and EMA_STRENGTH.contains(strength)
                             else None)
    loss_panel.set_log_y(store.value(SESSION_LOG_Y, False, type=bool))


def save_session(store: QSettings, settings: Settings | None, controls: ControlPanel,
                 loss_panel: LossPanel, geometry: QByteArray) -> None:
    """Write ``settings`` (None: keep the last valid session's), the view options and the
    window ``geometry`` to ``store``."""
    if settings is not None:
        store.setValue(SESSION_SETTINGS, json.dumps(settings.to_dict()))
    store.setValue(SESSION_ANIMATION, controls.animation_speed)
    store.setValue(SESSION_SMOOTHING, loss_panel.smoothing)
    store.setValue(SESSION_EMA, loss_panel.ema_strength)
    store.setValue(SESSION_LOG_Y, loss_panel.log_y)
    store.setValue(SESSION_GEOMETRY, geometry)
    store.sync()


def saved_geometry(store: QSettings) -> QByteArray | None:
    """The window geometry of the last session, None if there is none."""
    geometry = store.value(SESSION_GEOMETRY)
    return geometry if isinstance(geometry, QByteArray) else None
