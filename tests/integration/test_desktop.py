"""The app as a desktop installs and starts it: the freedesktop entry, the AppStream metadata and
the icons validate; without a display the command says so in one line; on a real X server the
window opens and closes cleanly."""

from __future__ import annotations

import configparser
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from gui.display import display_problem

ROOT = Path(__file__).resolve().parents[2]
APP_ID = "io.github.eventmonitor.EventMonitor"
DESKTOP = ROOT / "packaging" / f"{APP_ID}.desktop"
METAINFO = ROOT / "packaging" / f"{APP_ID}.metainfo.xml"
ICONS = ROOT / "resources" / "icons" / "hicolor"


def tool(*argv: str, **kw: object) -> subprocess.CompletedProcess[str]:
    """Run a system tool; a missing one fails the test with the package that brings it."""
    packages = {"desktop-file-validate": "desktop-file-utils", "appstreamcli": "appstream", "xvfb-run": "xvfb"}
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=120, **kw)  # type: ignore[call-overload]
    except FileNotFoundError:
        pytest.fail(f"{argv[0]} is missing: apt-get install {packages.get(argv[0], argv[0])} (.ci/run does)")


def test_desktop_entry_validates() -> None:
    result = tool("desktop-file-validate", str(DESKTOP))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "error" not in (result.stdout + result.stderr).lower()
    parser = configparser.ConfigParser(interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]
    parser.read(DESKTOP)
    entry = parser["Desktop Entry"]
    assert entry["Icon"] == APP_ID
    assert entry["Exec"] == "event-monitor"


def test_appstream_metainfo_validates_with_its_screenshot() -> None:
    result = tool("appstreamcli", "validate", "--no-net", "--pedantic", str(METAINFO))
    assert result.returncode == 0, result.stdout + result.stderr
    root = ET.parse(METAINFO).getroot()
    assert root.findtext("id") == APP_ID
    assert root.find("launchable").text == DESKTOP.name  # type: ignore[union-attr]
    image = root.find("screenshots/screenshot/image")
    assert image is not None
    shot = ROOT / image.text.split("/main/", 1)[1]  # type: ignore[union-attr]
    assert shot.is_file()  # the screenshot it names is the one the README shows


@pytest.mark.parametrize("size", [16, 32, 48, 64, 128, 256, 512])
def test_icon_in_each_size_the_entry_needs(size: int) -> None:
    from PySide6.QtGui import QImage

    image = QImage(str(ICONS / f"{size}x{size}" / "apps" / f"{APP_ID}.png"))
    assert (image.width(), image.height()) == (size, size)
    assert (ICONS / "scalable" / "apps" / f"{APP_ID}.svg").is_file()


def window_env(**changes: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY", "QT_QPA_PLATFORM")}
    env.update({k: v for k, v in changes.items() if v is not None})
    return env


@pytest.mark.parametrize(
    ("display", "said"),
    [(None, "neither DISPLAY nor WAYLAND_DISPLAY is set"), (":4242", "cannot reach the X display ':4242'")],
)
def test_without_a_display_one_clear_line_and_exit_6(display: str | None, said: str) -> None:
    result = subprocess.run(
        [sys.executable, "-m", "gui", "--demo"],
        capture_output=True,
        text=True,
        timeout=60,
        env=window_env(DISPLAY=display),
    )
    assert result.returncode == 6
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, result.stderr
    assert said in lines[0]
    assert "xvfb-run" in lines[0]
    assert result.stdout == ""


def test_display_problem_leaves_other_platforms_and_offscreen_to_qt() -> None:
    assert display_problem({}, platform="win32") is None
    assert display_problem({}, platform="darwin") is None
    assert display_problem({"QT_QPA_PLATFORM": "offscreen"}, platform="linux") is None
    assert "WAYLAND" in (display_problem({"QT_QPA_PLATFORM": "wayland"}, platform="linux") or "")
    assert display_problem({"DISPLAY": "nonsense"}, platform="linux") is not None


def test_the_demo_window_opens_on_a_real_x_server_and_closes_cleanly(tmp_path: Path) -> None:
    result = tool(
        str(ROOT / "scripts" / "window-smoke"),
        sys.executable,
        "-m",
        "gui",
        "--demo",
        env=window_env(EVENT_MONITOR_HOME=str(tmp_path / "home")),
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "the window opened and closed cleanly" in result.stdout
