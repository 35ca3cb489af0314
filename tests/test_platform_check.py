"""The window on a real X display (Xvfb), and the check for the X libraries it needs (issue 12,
item 24)."""
import os
import re
import select
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PySide6.QtGui import QImage

import main
from gui import platform_check
from gui.platform_check import XCB_LIBRARIES, missing_xcb_packages, uses_xcb

ROOT = Path(__file__).resolve().parent.parent
QT = Path(__import__("PySide6").__file__).parent / "Qt"


@pytest.mark.parametrize("platform, environ, expected", [
    ("linux", {}, True),
    ("linux", {"QT_QPA_PLATFORM": "xcb"}, True),
    ("linux", {"QT_QPA_PLATFORM": "xcb:nograb;offscreen"}, True),
    ("linux", {"QT_QPA_PLATFORM": "offscreen"}, False),
    ("linux", {"WAYLAND_DISPLAY": "wayland-0"}, False),
    ("linux", {"XDG_SESSION_TYPE": "wayland"}, False),
    ("linux", {"XDG_SESSION_TYPE": "wayland", "QT_QPA_PLATFORM": "xcb"}, True),
    ("darwin", {}, False),
    ("win32", {"QT_QPA_PLATFORM": "xcb"}, False),
])
def test_uses_xcb(platform, environ, expected):
    assert uses_xcb(platform, environ) is expected


def test_the_table_holds_every_x_library_the_xcb_plugin_links():
    """ldd lists what Qt 6's xcb plugin loads; every X, xcb and xkb library must be checked."""
    linked = set()
    for binary in (QT / "plugins" / "platforms" / "libqxcb.so", QT / "lib" / "libQt6XcbQpa.so.6"):
        output = subprocess.run(["ldd", str(binary)], capture_output=True, text=True, check=True).stdout
        linked |= set(re.findall(r"^\s*(\S+\.so\.\d+)\s+=>", output, flags=re.MULTILINE))
    x_libraries = {name for name in linked if re.match(r"lib(xcb|X|xkb)", name)}
    assert x_libraries and x_libraries <= set(XCB_LIBRARIES), x_libraries - set(XCB_LIBRARIES)


def test_a_missing_library_gives_one_line_naming_its_package(monkeypatch, capsys):
    monkeypatch.setitem(XCB_LIBRARIES, "libxcb-optimizer-lab-test.so.9", "libxcb-optimizer-lab-test9")
    assert missing_xcb_packages() == ["libxcb-optimizer-lab-test9"]
    monkeypatch.setenv("QT_QPA_PLATFORM", "xcb")
    monkeypatch.setenv("DISPLAY", ":1234")
    import gui.app
    monkeypatch.setattr(gui.app, "run_app", lambda *args: pytest.fail("the window was opened"))
    assert main.main(["--task", "paths"]) == 2  # before any QApplication is created
    line, = capsys.readouterr().err.splitlines()
    assert line == ("optimizer-lab: error: the window needs X libraries that are not installed; "
                    "install them with 'sudo apt-get install libxcb-optimizer-lab-test9' "
                    "(Debian/Ubuntu), or run without a window with --headless")
    monkeypatch.setenv("QT_QPA_PLATFORM", "offscreen")
    assert platform_check.xcb_problem() is None


def test_no_display_gives_one_line_instead_of_qt_aborting():
    """Without DISPLAY, Qt's xcb plugin aborts the process (SIGABRT): a real process shows it."""
    env = {key: value for key, value in os.environ.items() if key not in ("DISPLAY", "WAYLAND_DISPLAY")}
    env["QT_QPA_PLATFORM"] = "xcb"
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--task", "paths"],
                          capture_output=True, text=True, timeout=60, cwd=ROOT, env=env)
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "optimizer-lab: error: no X display to open the window on (DISPLAY is not set); run it "
        "in a desktop session, or without a window with --headless"]


@pytest.fixture
def xvfb_display():
    """A real X server (Xvfb) on a free display number, stopped afterwards."""
    server = shutil.which("Xvfb")
    if server is None:
        message = "Xvfb is not installed (.ci/run installs it with the X libraries)"
        if os.environ.get("CI"):
            pytest.fail(message)  # CI must run this test on a real display platform
        pytest.skip(message)
    read_end, write_end = os.pipe()
    process = subprocess.Popen([server, "-displayfd", str(write_end), "-screen", "0", "1280x900x24",
                                "-nolisten", "tcp"], pass_fds=(write_end,),
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(write_end)
    try:
        number = b""
        while not number.endswith(b"\n"):  # Xvfb writes the display number when it is ready
            ready, _, _ = select.select([read_end], [], [], 60)
            chunk = os.read(read_end, 16) if ready else b""
            if not chunk:
                pytest.fail("Xvfb did not start")
            number += chunk
        yield f":{number.decode().strip()}"
    finally:
        os.close(read_end)
        process.terminate()
        process.wait(timeout=30)


def test_the_window_runs_and_draws_on_a_real_x_server(tmp_path, xvfb_display, qapp):
    missing = missing_xcb_packages()
    assert not missing, f"install {' '.join(missing)} (.ci/run does)"
    shot = tmp_path / "shot.png"
    env = {**os.environ, "DISPLAY": xvfb_display, "QT_QPA_PLATFORM": "xcb",
           "HOME": str(tmp_path), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    done = subprocess.run([sys.executable, str(ROOT / "main.py"), "--autorun", "--screenshot", str(shot),
                           "--task", "paths", "--steps", "10"], capture_output=True, text=True,
                          timeout=180, cwd=ROOT, env=env)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    image = QImage(str(shot))
    assert not image.isNull() and image.width() >= 640 and image.height() >= 400
    colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
    assert len(colours) > 50  # contours, paths, text: not a blank or single-colour window
