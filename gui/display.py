"""Is there a display to open the window on? Asked before Qt is loaded: without one, Qt's xcb
plugin aborts the process with a core dump and a page of text; the command says what is missing
in one line instead."""

from __future__ import annotations

import ctypes.util
import os
import socket
import sys
from collections.abc import Mapping
from pathlib import Path

HOW = "run it in a desktop session, or under a virtual X server: xvfb-run -a event-monitor --demo"


def display_problem(env: Mapping[str, str] | None = None, platform: str = sys.platform) -> str | None:
    """Why the window cannot be shown here, or None when it can (or when it is not ours to tell:
    Windows, macOS, or a Qt platform other than xcb/wayland, such as offscreen)."""
    env = os.environ if env is None else env
    if not platform.startswith(("linux", "freebsd", "openbsd", "netbsd")):
        return None
    qpa = env.get("QT_QPA_PLATFORM", "").split(":", 1)[0].split(";", 1)[0].strip()
    if qpa and not qpa.startswith(("xcb", "wayland")):
        return None
    wayland = env.get("WAYLAND_DISPLAY", "")
    if qpa.startswith("wayland") or (not qpa and wayland):
        if wayland and _wayland_reachable(wayland, env.get("XDG_RUNTIME_DIR", "")):
            return None
        if qpa.startswith("wayland"):
            return f"cannot reach the Wayland display {wayland or '(WAYLAND_DISPLAY is not set)'}; {HOW}"
    display = env.get("DISPLAY", "")
    if not display:
        return f"no display to open the window on (neither DISPLAY nor WAYLAND_DISPLAY is set); {HOW}"
    if not _x_reachable(display):
        return f"cannot reach the X display {display!r} (DISPLAY); {HOW}"
    if ctypes.util.find_library("xcb-cursor") is None:
        return (
            "Qt needs the system library libxcb-cursor to open a window on X "
            "(Debian/Ubuntu: apt-get install libxcb-cursor0)"
        )
    return None


def _wayland_reachable(name: str, runtime_dir: str) -> bool:
    path = Path(name) if name.startswith("/") else Path(runtime_dir or "/nonexistent") / name
    return _unix_connects(str(path))


def _x_reachable(display: str) -> bool:
    """DISPLAY is [host]:number[.screen]; a local display is a Unix socket (or Linux's abstract one)."""
    host, _, rest = display.rpartition(":")
    number = rest.split(".", 1)[0]
    if not number.isdigit():
        return False
    if host in ("", "unix"):
        path = f"/tmp/.X11-unix/X{number}"
        return _unix_connects(path) or _unix_connects("\0" + path)
    try:
        with socket.create_connection((host, 6000 + int(number)), timeout=2):
            return True
    except OSError:
        return False


def _unix_connects(path: str) -> bool:
    """A Unix-domain socket at ``path`` accepts a connection (X11 and Wayland only: Python has no
    AF_UNIX on Windows, where there is no display to check)."""
    if sys.platform == "win32":
        return False
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    sock.settimeout(2)
    try:
        sock.connect(path)
        return True
    except OSError:
        return False
    finally:
        sock.close()
