"""What the window remembers between runs (``window.ini`` beside the state store): its geometry,
its appearance and its tabs; for each tab its splitter, columns, connection, subscription,
position, filters, commit mode, time zone, time range and timeline. Never a secret.

The first tab's keys are at the top of the file (as before there were tabs); another tab's are
under its own prefix (``tab-3/filter``)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from gui.storage.store import private

PRESETS_KEPT = ("any", "5m", "15m", "1h", "24h", "today")  # a custom range is not meant for the next run


class TabSettings:
    """One tab's keys of the window's settings: the first tab's at the top, another's under its prefix."""

    def __init__(self, settings: QSettings, prefix: str = "") -> None:
        self.root, self.prefix = settings, prefix

    def _key(self, key: str) -> str:
        return f"{self.prefix}/{key}" if self.prefix else key

    def value(self, key: str, default: Any = None) -> Any:
        return self.root.value(self._key(key), default)

    def setValue(self, key: str, value: Any) -> None:  # noqa: N802 (QSettings' name)
        self.root.setValue(self._key(key), value)

    def forget(self) -> None:
        """A closed tab's keys go (the first tab's stay: they are the next first tab's)."""
        if self.prefix:
            self.root.remove(self.prefix)

    def sync(self) -> None:
        self.root.sync()

    def fileName(self) -> str:  # noqa: N802
        return self.root.fileName()


def save_tab(tab: Any) -> None:
    s = tab.settings
    s.setValue("splitter", tab.splitter.saveState())
    s.setValue("payload_columns", "\n".join(tab.model.payload_columns))
    s.setValue("header", tab.table.horizontalHeader().saveState())
    s.setValue("connection", tab.connection_combo.currentData())
    s.setValue("subscription", tab.subscription_combo.currentData())
    s.setValue("position", tab.offset_mode_combo.currentData())
    s.setValue("filter", tab.filter_edit.text())
    s.setValue("cel", tab.cel_filter_edit.text())
    s.setValue("commit_mode", tab.commit_mode_combo.currentData())
    s.setValue("time_zone", tab.time_zone_combo.currentData())
    s.setValue("time_range", tab.time_range.preset)
    s.setValue("timeline", tab.actions.show_timeline.isChecked())
    s.sync()
    private(Path(s.fileName()))  # this user's only, like the state store


def restore_tab(tab: Any) -> None:
    s = tab.settings
    if s.value("splitter"):
        tab.splitter.restoreState(s.value("splitter"))
    columns = [c for c in str(s.value("payload_columns") or "").split("\n") if c]
    tab.model.set_payload_columns(columns)  # before the header: its state counts their sections
    if s.value("header"):
        tab.table.horizontalHeader().restoreState(s.value("header"))
    for combo, key in (
        (tab.connection_combo, "connection"),
        (tab.subscription_combo, "subscription"),
        (tab.offset_mode_combo, "position"),
        (tab.commit_mode_combo, "commit_mode"),
        (tab.time_zone_combo, "time_zone"),
    ):
        value = s.value(key)
        index = combo.findData(value) if value else -1
        if index >= 0:
            combo.setCurrentIndex(index)
    tab.filter_edit.setText(str(s.value("filter") or ""))
    tab.cel_filter_edit.setText(str(s.value("cel") or ""))
    if s.value("time_range") in PRESETS_KEPT:
        tab.time_range.set_preset(str(s.value("time_range")))
    tab.actions.show_timeline.setChecked(str(s.value("timeline", "true")).lower() != "false")


def save_window(window: Any) -> None:
    s = window.settings
    s.setValue("geometry", window.saveGeometry())
    s.setValue("tabs", ",".join(tab.settings.prefix for tab in window.stream_tabs()[1:]))
    s.setValue("current_tab", window.tabs.currentIndex())
    s.sync()
    private(Path(s.fileName()))


def restore_window(window: Any) -> None:
    s = window.settings
    if s.value("geometry"):
        window.restoreGeometry(s.value("geometry"))
    window.set_appearance(str(s.value("appearance") or "system"))


def saved_tabs(settings: QSettings) -> list[str]:
    """The prefixes of the tabs after the first, as the last run left them."""
    return [p for p in str(settings.value("tabs") or "").split(",") if p.startswith("tab-")]
