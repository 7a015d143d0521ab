"""Desktop notifications for events matching a rule (an event type pattern or a CEL expression),
rate limited so a burst gives one message with a count. The rule is evaluated in the consumer
thread (``NotifyRule.count``); the window only adds up the counts and shows the message."""

from __future__ import annotations

import time

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QSystemTrayIcon, QWidget

from gui.api.events import Events
from gui.api.models import short_type, type_matches
from gui.eventlog.cel import CelFilter


class NotifyRule:
    """``cti...*`` / ``tenant.deleted`` (a type) or any other text as CEL. Raises CelError for a
    bad expression. Immutable: the window replaces it, the consumer thread reads it."""

    def __init__(self, rule: str) -> None:
        self.rule = rule.strip()
        self._cel = CelFilter(self.rule) if not (self.rule.startswith("cti.") or _looks_like_type(self.rule)) else None

    def _type_matches(self, type_id: str) -> bool:
        return type_matches(self.rule, type_id) if self.rule.startswith("cti.") else short_type(type_id) == self.rule

    def count(self, events: Events) -> int:
        if self._cel is not None:
            return sum(1 for e in events if self._cel.matches(e))
        return sum(1 for t in events.column("type") if self._type_matches(t))


class Notifier:
    def __init__(self, parent: QWidget, icon: QIcon, min_interval: float = 10.0) -> None:
        self.min_interval = min_interval
        self.rule: NotifyRule | None = None
        self._last = 0.0
        self._pending = 0
        self.sent: list[str] = []  # what was shown, newest last (also for tests and the status bar)
        self.tray = QSystemTrayIcon(icon, parent) if QSystemTrayIcon.isSystemTrayAvailable() else None
        if self.tray is not None:
            self.tray.setToolTip("Event Monitor")
            self.tray.show()

    def set_rule(self, text: str) -> NotifyRule | None:
        """The new rule (None: off); raises CelError, keeping the old rule, for a bad expression."""
        self.rule = NotifyRule(text) if text.strip() else None
        self._pending = 0
        return self.rule

    def add(self, matched: int) -> str | None:
        """Count matching events; show one message per interval. Returns the message shown, if any."""
        if self.rule is None:
            return None
        self._pending += matched
        now = time.monotonic()
        if not self._pending or now - self._last < self.min_interval:
            return None
        message = f"{self._pending:,} event(s) matched “{self.rule.rule}”"
        self._pending = 0
        self._last = now
        self.sent.append(message)
        if self.tray is not None:
            self.tray.showMessage("Event Monitor", message, QSystemTrayIcon.MessageIcon.Information, 5000)
        return message


def _looks_like_type(rule: str) -> bool:
    parts = rule.split(".")
    return len(parts) == 2 and all(p.replace("_", "").isalpha() for p in parts)
