"""Notifications for events matching a rule (an event type, a type's last part, a wildcard, or a
CEL expression): counted next to the rule's field for as long as the rule stands, and said as a
desktop notification (or, without a system tray, by alerting the window), rate limited so a burst
gives one message with a count. The rule is evaluated in the consumer thread
(``NotifyRule.count``); the window only adds up the counts and shows them."""

from __future__ import annotations

import re
import time
from fnmatch import fnmatchcase

from PySide6.QtGui import QIcon
from PySide6.QtWidgets import QApplication, QSystemTrayIcon, QWidget

from gui.api.events import Events
from gui.api.models import short_type, type_matches
from gui.eventlog.cel import VARIABLES, CelError, CelFilter
from gui.words import counted

# a type as the table shows it, any number of parts, perhaps with * wildcards: tenant.deleted,
# tenant.auth_consent.updated, deleted, tenant.*, *.updated
_TYPE_NAME = re.compile(r"[A-Za-z_*][\w*-]*(\.[\w*-]+)*\Z")
RULE_HELP = (
    "Notify when an event matches:\n"
    "• a type as the table shows it: tenant.auth_consent.updated\n"
    "• its last part(s), for every type ending so: deleted (tenant.deleted, user.deleted…)\n"
    "• a wildcard: tenant.*  or  *.updated; a full CTI type: cti.a.p.em.event.v1.0~a.p.tenant.*\n"
    '• a CEL expression: data.kind == "customer", on the fields ' + ", ".join(sorted(VARIABLES)) + "\n"
    "Matches are counted next to the field while the rule stands; a desktop notification (at most one "
    "every 10 s) or, without a system tray, the window's taskbar entry says so."
)


class NotifyRule:
    """One rule, in the form it was typed (see RULE_HELP); CelError for text that is neither a
    type form nor a CEL expression that can match. Immutable: the window replaces it, the
    consumer thread reads it."""

    def __init__(self, rule: str) -> None:
        self.rule = rule.strip()
        self._cel: CelFilter | None = None
        self._types: dict[str, bool] = {}  # type ID -> matches (a stream has a few types)
        if self.rule.startswith("cti."):
            self.kind = "cti"
        elif _TYPE_NAME.match(self.rule) and self.rule.split(".")[0] not in VARIABLES:
            self.kind = "type"  # data.active, sequence... are CEL: no event type starts so
        else:
            self.kind = "cel"
            self._cel = CelFilter(self.rule)
            problem = self._cel.problem()
            if problem:
                raise CelError(problem)

    def describe(self) -> str:
        """What the rule matches, in words."""
        if self.kind == "cel":
            return f"events where {self.rule}"
        if self.kind == "cti" or "*" in self.rule:
            return f"types matching {self.rule}"
        return f"type {self.rule}" if "." in self.rule else f"every type ending in .{self.rule}"

    def type_matches(self, type_id: str) -> bool:
        known = self._types.get(type_id)
        if known is None:
            if self.kind == "cti":
                known = type_matches(self.rule, type_id)
            else:
                short = short_type(type_id)
                if "*" in self.rule:
                    known = fnmatchcase(short, self.rule)
                else:
                    known = short == self.rule or short.endswith("." + self.rule)
            self._types[type_id] = known
        return known

    def count(self, events: Events) -> int:
        if self._cel is not None:
            return sum(1 for e in events if self._cel.matches(e))
        return sum(1 for t in events.column("type") if self.type_matches(t))


class Alerts:
    """The window's one way to get attention: its tray icon's message where the desktop has a
    tray, else the taskbar entry asking for attention (nothing when the window is active). One per
    window, whatever the number of tabs (each tab's rule notifies through it)."""

    def __init__(self, window: QWidget, icon: QIcon) -> None:
        self._window = window
        self.tray = QSystemTrayIcon(icon, window) if QSystemTrayIcon.isSystemTrayAvailable() else None
        if self.tray is not None:
            self.tray.setToolTip("Event Monitor")
            self.tray.show()

    def show(self, text: str) -> None:
        if self.tray is not None:
            self.tray.showMessage("Event Monitor", text, QSystemTrayIcon.MessageIcon.Information, 5000)
        else:
            QApplication.alert(self._window.window())


class Notifier:
    """A tab's notification rule: counts the events that match it and tells the window's
    ``Alerts`` at most once per ``min_interval``."""

    def __init__(self, alerts: Alerts, min_interval: float = 10.0) -> None:
        self.min_interval = min_interval
        self.rule: NotifyRule | None = None
        self._last = 0.0
        self._pending = 0
        self.matched = 0  # events matched since the rule was set (shown next to its field)
        self.alerts = alerts
        self.sent: list[str] = []  # what was shown, newest last (also for tests and the status bar)

    def set_rule(self, text: str) -> NotifyRule | None:
        """The new rule (None: off); raises CelError for text that cannot be a rule."""
        self.rule = NotifyRule(text) if text.strip() else None
        self._pending = 0
        self.matched = 0
        return self.rule

    def restart_count(self) -> None:
        """Counted from nothing again (a new stream)."""
        self._pending = 0
        self.matched = 0

    def add(self, matched: int) -> str | None:
        """Count matching events; show one message per interval. Returns the message shown, if any."""
        if self.rule is None:
            return None
        self._pending += matched
        self.matched += matched
        now = time.monotonic()
        if not self._pending or now - self._last < self.min_interval:
            return None
        message = f"{counted(self._pending, 'new event')} matched “{self.rule.rule}” ({self.matched:,} in all)"
        self._pending = 0
        self._last = now
        self.sent.append(message)
        self.alerts.show(message)
        return message
