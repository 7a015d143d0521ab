"""Desktop notifications for events matching a rule (an event type pattern or a CEL expression),
rate limited so a burst gives one message with a count."""

from __future__ import annotations

import time
from typing import Any

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from gui.api.events import Events
from gui.api.models import short_type, type_matches
from gui.eventlog.cel import CelFilter


class Notifier:
    def __init__(self, parent: QWidget, icon: QIcon, min_interval: float = 10.0) -> None:
        self.min_interval = min_interval
        self.rule = ""
        self._cel: CelFilter | None = None
        self._last = 0.0
        self._pending = 0
        self.sent: list[str] = []  # what was shown, newest last (also for tests and the status bar)
        self.tray = QSystemTrayIcon(icon, parent) if QSystemTrayIcon.isSystemTrayAvailable() else None
        if self.tray is not None:
            self.tray.setToolTip("Event Monitor")
            self.tray.show()

    def set_rule(self, rule: str) -> None:
        """``cti...*`` / ``tenant.deleted`` (a type) or any other text as CEL; empty turns it off.
        Raises CelError for a bad expression."""
        rule = rule.strip()
        self._cel = None
        if rule and not (rule.startswith("cti.") or _looks_like_type(rule)):
            self._cel = CelFilter(rule)
        self.rule = rule

    def matches(self, event: dict[str, Any]) -> bool:
        if not self.rule:
            return False
        if self._cel is not None:
            return self._cel.matches(event)
        return self._type_matches(str(event.get("type", "")))

    def _type_matches(self, type_id: str) -> bool:
        return type_matches(self.rule, type_id) if self.rule.startswith("cti.") else short_type(type_id) == self.rule

    def check(self, events: Events) -> str | None:
        """Count matching events; show one message per interval. Returns the message shown, if any."""
        if not self.rule:
            return None
        if self._cel is not None:
            self._pending += sum(1 for e in events if self._cel.matches(e))
        else:
            self._pending += sum(1 for t in events.column("type") if self._type_matches(t))
        now = time.monotonic()
        if not self._pending or now - self._last < self.min_interval:
            return None
        message = f"{self._pending} event(s) matched “{self.rule}”"
        self._pending = 0
        self._last = now
        self.sent.append(message)
        if self.tray is not None:
            self.tray.showMessage("Event Monitor", message, QSystemTrayIcon.MessageIcon.Information, 5000)
        return message


def _looks_like_type(rule: str) -> bool:
    parts = rule.split(".")
    return len(parts) == 2 and all(p.replace("_", "").isalpha() for p in parts)
