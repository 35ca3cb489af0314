"""Before the window opens on Linux: are the X libraries Qt's xcb platform plugin needs there?

Without them Qt prints "could not load the Qt platform plugin xcb" and aborts the process.
:func:`missing_xcb_packages` tries to load each library the plugin links against (the NEEDED
entries of PySide6 6.11's ``plugins/platforms/libqxcb.so`` and ``lib/libQt6XcbQpa.so.6`` and
what those load in turn, found with ``ldd``; a test keeps this table complete) and names the Debian/Ubuntu
packages of those that cannot be loaded. Imports nothing from Qt.
"""
from __future__ import annotations

import ctypes
import os
import sys

XCB_LIBRARIES = {
    "libxcb.so.1": "libxcb1",
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render.so.0": "libxcb-render0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-shm.so.0": "libxcb-shm0",
    "libxcb-sync.so.1": "libxcb-sync1",
    "libxcb-util.so.1": "libxcb-util1",
    "libxcb-xfixes.so.0": "libxcb-xfixes0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libxkbcommon.so.0": "libxkbcommon0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libX11.so.6": "libx11-6",
    "libX11-xcb.so.1": "libx11-xcb1",
    "libXau.so.6": "libxau6",
    "libXdmcp.so.6": "libxdmcp6",
    "libGL.so.1": "libgl1",
    "libEGL.so.1": "libegl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libglib-2.0.so.0": "libglib2.0-0",
}
"""Shared library -> the Debian (bookworm) / Ubuntu package that provides it."""


def uses_xcb(platform: str = sys.platform, environ=os.environ) -> bool:
    """Whether Qt will load its xcb plugin: on Linux, when QT_QPA_PLATFORM names xcb first, or
    is unset outside a Wayland session."""
    if not platform.startswith("linux"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        return requested.split(";")[0].split(":")[0].strip() == "xcb"
    return environ.get("XDG_SESSION_TYPE") != "wayland" and not environ.get("WAYLAND_DISPLAY")


def _loadable(library: str) -> bool:
    try:
        ctypes.CDLL(library)
    except OSError:
        return False
    return True


def missing_xcb_packages(libraries: dict[str, str] = XCB_LIBRARIES) -> list[str]:
    """The packages (sorted, no repeats) of the ``libraries`` that cannot be loaded."""
    return sorted({package for library, package in libraries.items() if not _loadable(library)})


def xcb_problem(libraries: dict[str, str] = XCB_LIBRARIES, environ=os.environ) -> str | None:
    """A one-line message when Qt would use xcb and could not start it (packages to install,
    or no X display to connect to: Qt aborts the process in both cases); None when the window
    can open."""
    if not uses_xcb(environ=environ):
        return None
    if not environ.get("DISPLAY"):
        return ("no X display to open the window on (DISPLAY is not set); run it in a desktop "
                "session, or without a window with --headless")
    missing = missing_xcb_packages(libraries)
    if missing:
        return (f"the window needs X libraries that are not installed; install them with "
                f"'sudo apt-get install {' '.join(missing)}' (Debian/Ubuntu), or run without a "
                f"window with --headless")
    return None
