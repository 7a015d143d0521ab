"""The window as the tests drive it. The product keeps each widget in the part that owns it
(``tab.position_bar.offset_mode_combo``); tests would rather say ``window.offset_mode_combo``. A
``Driver`` gives them that, here and not in the product: an attribute of the window is looked up
on the window, then on the current tab, then on the tab's parts, then among the tab's children
by objectName (``stream_status_label`` → ``streamStatusLabel``).

``drive(window)`` wraps a window or a tab (the same wrapper each time, so ``is`` works);
``.widget`` is the wrapped object, for Qt calls that need the real one."""

from __future__ import annotations

import weakref
from typing import Any

from PySide6.QtCore import QObject

from gui.ui.stream_tab import StreamTab
from gui.ui.window import MainWindow

# the names tests use for a part's widget that the part calls otherwise
RENAMED = {
    "actions": ("commands",),
    "table": ("table_part", "view"),
    "since_edit": ("filter_bar", "time_range", "since_edit"),
    "until_edit": ("filter_bar", "time_range", "until_edit"),
    "time_range": ("filter_bar", "time_range"),
    "commit_mode_combo": ("commits", "mode_combo"),
    "commit_log": ("commits", "log_list"),
    "revert_button": ("commits", "revert_button"),
    "export_csv_action": ("commands", "export_csv"),
    "consumer_thread": ("session", "consumer"),
    "consumer_options": ("session", "consumer_options"),
    "apply_filter": ("filtering", "apply"),
    "default_export_path": ("exporter", "default_path"),
    "export_rows": ("table_part", "rows_to_export"),
    "start": ("controls", "start"),
    "stop": ("controls", "stop"),
}
PARTS = ("connection_bar", "position_bar", "filter_bar", "table_part", "status", "controls", "commits", "exporter")
_drivers: weakref.WeakValueDictionary[int, Driver] = weakref.WeakValueDictionary()  # none kept past its test


def drive(target: Any) -> Any:
    """The driver of a window or a tab (anything else as it is)."""
    if isinstance(target, Driver) or not isinstance(target, (MainWindow, StreamTab)):
        return target
    driver = _drivers.get(id(target))
    if driver is None or driver.widget is not target:
        driver = _drivers[id(target)] = Driver(target)
    return driver


def _own(target: Any, name: str) -> bool:
    """``name`` is the product's (Python) attribute of ``target``, not one Qt gives every widget."""
    return name in vars(target) or any(name in vars(cls) for cls in type(target).__mro__ if cls.__module__.startswith("gui."))


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


class Driver:
    __slots__ = ("__weakref__", "widget")

    def __init__(self, target: Any) -> None:
        object.__setattr__(self, "widget", target)

    def _tab(self) -> StreamTab | None:
        target = self.widget
        return target.current if isinstance(target, MainWindow) else target

    def _find(self, name: str) -> tuple[Any, str] | None:
        """The object that has ``name`` and the attribute's name there."""
        target = self.widget
        if isinstance(target, MainWindow) and _own(target, name):
            return target, name
        tab = self._tab()
        if tab is None:
            return None
        if name in RENAMED:
            *path, last = RENAMED[name]
            holder: Any = tab
            for step in path:
                holder = getattr(holder, step)
            return holder, last
        if _own(tab, name):
            return tab, name
        if hasattr(target, name):  # Qt's own (show, close, resize...): not a part's of the same name
            return None
        for part_name in PARTS:
            part = getattr(tab, part_name, None)
            if part is not None and _own(part, name):
                return part, name
        return None

    def __getattr__(self, name: str) -> Any:
        found = self._find(name)
        if found is not None:
            return drive(getattr(*found))
        tab = self._tab()
        child = tab.findChild(QObject, _camel(name)) if tab is not None and "_" in name else None
        return child if child is not None else getattr(self.widget, name)  # else Qt's own (close, resize...)

    def __setattr__(self, name: str, value: Any) -> None:
        found = self._find(name)
        if found is None:
            raise AttributeError(f"nothing called {name!r} to set")
        setattr(*found, value)

    def __eq__(self, other: object) -> bool:
        return self.widget is (other.widget if isinstance(other, Driver) else other)

    def __hash__(self) -> int:
        return id(self.widget)

    def __repr__(self) -> str:
        return f"drive({self.widget!r})"
