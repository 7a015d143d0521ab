"""What the window remembers between runs (``window.ini`` beside the state store): its geometry,
its appearance and its tabs; for each tab its splitter, columns, connection, subscription,
position, filters, commit mode, time zone, time range and timeline. Never a secret.

The first tab's keys are at the top of the file (as before there were tabs); another tab's are
under its own prefix (``tab-3/filter``)."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings

from gui.eventlog.view import ViewSpec
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
    s.setValue("connection", tab.connection_bar.connection_combo.currentData())
    s.setValue("subscription", tab.connection_bar.subscription_combo.currentData())
    s.setValue("position", tab.position_bar.offset_mode_combo.currentData())
    s.setValue("view", tab.saved_views.editor.current().to_json().decode())  # filters and zone (gui.eventlog.view)
    for legacy in ("filter", "cel", "time_zone", "time_range"):  # what the view's JSON replaced
        s.root.remove(s._key(legacy))
    s.setValue("commit_mode", tab.commits.mode_combo.currentData())
    s.setValue("timeline", tab.commands.show_timeline.isChecked())
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
        (tab.connection_bar.connection_combo, "connection"),
        (tab.connection_bar.subscription_combo, "subscription"),
        (tab.position_bar.offset_mode_combo, "position"),
        (tab.commits.mode_combo, "commit_mode"),
    ):
        value = s.value(key)
        index = combo.findData(value) if value else -1
        if index >= 0:
            combo.setCurrentIndex(index)
    view = ViewSpec.from_json(str(s.value("view"))) if s.value("view") else _legacy_view(s)
    if view.time_preset not in PRESETS_KEPT:
        view = replace(view, time_preset="any", since=None, until=None)
    tab.saved_views.editor.show(view, columns=False)  # the header's state has the columns
    tab.commands.show_timeline.setChecked(str(s.value("timeline", "true")).lower() != "false")


def _legacy_view(s: TabSettings) -> ViewSpec:
    """The filters and zone as versions before the view's JSON kept them."""
    return ViewSpec(
        text=str(s.value("filter") or ""),
        cel=str(s.value("cel") or ""),
        zone=str(s.value("time_zone") or ""),
        time_preset=str(s.value("time_range") or "any"),
    )


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
