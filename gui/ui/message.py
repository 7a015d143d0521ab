"""Messages to the user from any part (like qutebrowser's ``utils/message.py``):
``message.info(self, "Copied 3 rows")`` or ``message.error(self, "Export failed", why)``. The
message goes to the status bar of the tab the part belongs to (found through its parents); one
from outside any tab (a dialog of the window) goes to the tab shown. No part is handed a status
panel: the tabs' status bars listen here (``gui.ui.status``).

``info``: a passing notice (an action's outcome), shown for a few seconds over the stream's status.
``error``: a failure that needs reading: a window-modal box, opened without a nested event loop."""

from __future__ import annotations

import logging
from dataclasses import dataclass

from PySide6.QtCore import QObject, Signal

log = logging.getLogger(__name__)
TAB_NAME = "streamTab"  # the objectName of a tab (gui.ui.stream_tab.StreamTab)


@dataclass(frozen=True)
class Message:
    level: str  # "info" or "error"
    text: str
    title: str = ""
    tab: QObject | None = None  # the tab it is for; None: the tab shown


class _Bridge(QObject):
    posted = Signal(object)  # Message


_bridge: _Bridge | None = None


def bridge() -> _Bridge:
    global _bridge
    if _bridge is None:
        _bridge = _Bridge()
    return _bridge


def tab_of(source: QObject | None) -> QObject | None:
    """The tab ``source`` belongs to (itself, or its nearest parent that is a tab)."""
    seen = 0
    while source is not None and seen < 64:
        if source.objectName() == TAB_NAME:
            return source
        source = source.parent()
        seen += 1
    return None


def info(source: QObject | None, text: str) -> None:
    log.info("%s", text)
    bridge().posted.emit(Message("info", text, tab=tab_of(source)))


def error(source: QObject | None, title: str, text: str) -> None:
    log.warning("%s: %s", title, text)
    bridge().posted.emit(Message("error", text, title, tab=tab_of(source)))
