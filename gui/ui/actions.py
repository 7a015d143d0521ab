"""Every command of the window as a QAction (with its shortcut, tooltip and objectName), and the
menu bar that shows them. Buttons use these actions; nothing here knows what a command does: the
window connects ``triggered``.

Shortcuts that a text field would otherwise take for itself (Ctrl+E moves to the line's end in a
Qt line edit) still reach the window: ``ShortcutKeeper`` lets the field see only the keys that
no window command uses.
"""

from __future__ import annotations

from typing import Any, TypeVar

from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtGui import QAction, QActionGroup, QKeyEvent, QKeySequence
from PySide6.QtWidgets import QAbstractSpinBox, QLineEdit, QMainWindow, QMenu, QPushButton, QWidget

# name, text, shortcuts, tip (the first shortcut is the one menus show)
_COMMANDS: tuple[tuple[str, str, tuple[str, ...], str], ...] = (
    ("addConnectionAction", "Add &connection…", (), "Add a data center connection (URL, client ID, secret)"),
    ("manageConnectionsAction", "&Manage connections…", (), "Edit, test or remove the saved connections"),
    ("newSubscriptionAction", "&New subscription…", ("Ctrl+N",), "Create a subscription on the server"),
    ("addSubscriptionAction", "Add &existing subscription…", (), "Remember a subscription by its ID"),
    (
        "manageSubscriptionsAction",
        "Manage s&ubscriptions…",
        (),
        "The subscriptions remembered for this connection: details, copy ID, forget here",
    ),
    (
        "createSubscriptionFromViewAction",
        "Create subscription from the &view…",
        (),
        "A new subscription whose server-side filter is this view's types, tenant and CEL filter",
    ),
    ("exportCsvAction", "&Export CSV…", ("Ctrl+E",), "Export the rows shown to CSV"),
    ("exportJsonlAction", "Export &JSON Lines…", ("Ctrl+Shift+E",), "Export the rows shown as JSON Lines"),
    ("quitAction", "&Quit", ("Ctrl+Q",), "Close the window"),
    ("startAction", "&Start", ("F5",), "Start reading from the chosen position (restarts a running stream)"),
    ("pauseAction", "&Pause", ("F6",), "Hold new rows while polling goes on (Space in the table)"),
    ("stopAction", "S&top", ("Shift+F5",), "End the long-poll"),
    ("retryAction", "&Retry now", ("Ctrl+R",), "Retry the connection now instead of waiting"),
    ("commitAction", "&Commit up to here", ("Ctrl+Return", "Ctrl+Enter"), "Commit the selected event's sequence"),
    ("copyRowsAction", "&Copy rows", ("Ctrl+C",), "Copy the selected rows, tab-separated, with a header"),
    ("findAction", "&Filter…", ("Ctrl+F",), "Go to the text filter"),
    ("clearFiltersAction", "C&lear filters", ("Ctrl+Shift+L",), "Show every row again"),
    ("jumpToNewestAction", "Jump to &newest", ("Ctrl+End",), "Follow the newest events again"),
    ("localTimeAction", "&Local times", ("Ctrl+T",), "Show times in local time instead of UTC"),
    ("showTimelineAction", "Show t&imeline", ("Ctrl+Shift+T",), "Events per time bucket above the table"),
    (
        "streamHealthAction",
        "Stream &health…",
        (),
        "Why no events? Who leads, the subscription, the last polls, offsets (also: click the stream's status)",
    ),
    ("saveViewAction", "Sa&ve view…", ("Ctrl+S",), "Name the current filters, columns and zone to recall them"),
    ("deleteViewAction", "&Delete saved view", (), "Forget the saved view chosen"),
    ("newTabAction", "New &tab", ("Ctrl+Shift+N",), "Stream another subscription in a tab of its own"),
    ("closeTabAction", "Close ta&b", ("Ctrl+W",), "Stop this tab's stream and close it"),
    ("aboutAction", "&About Event Monitor", (), "Version and where things are kept"),
)
# keys the window's commands keep even while a text field has focus
_FIELD_KEYS = {"Ctrl+E", "Ctrl+Shift+E", "Ctrl+Q", "F5", "F6", "Shift+F5", "Ctrl+R", "Ctrl+Return", "Ctrl+Enter"}
_FIELD_KEYS |= {"Ctrl+N", "Ctrl+F", "Ctrl+Shift+L", "Ctrl+T", "Ctrl+S", "Ctrl+W", "Ctrl+Shift+N", "Ctrl+Shift+T"}


_EXPORTS = (None, "export_csv", "export_jsonl")


class Actions:
    """The window's commands by name: ``actions.start``, ``actions.export_csv``..."""

    def __init__(self, window: QWidget) -> None:
        self.by_name: dict[str, QAction] = {}
        for name, text, keys, tip in _COMMANDS:
            action = QAction(text, window)
            action.setObjectName(name)
            if keys:
                action.setShortcuts([QKeySequence(k) for k in keys])
                tip = f"{tip} ({QKeySequence(keys[0]).toString(QKeySequence.SequenceFormat.NativeText)})"
            action.setToolTip(tip)
            action.setStatusTip(tip)
            self.by_name[name] = action
            window.addAction(action)  # active whether or not the menu bar shows (while its tab shows)
        self.pause.setCheckable(True)
        self.local_time.setCheckable(True)
        self.show_timeline.setCheckable(True)
        self.show_timeline.setChecked(True)
        self.quit.setMenuRole(QAction.MenuRole.QuitRole)
        self.about.setMenuRole(QAction.MenuRole.AboutRole)
        # Ctrl+C copies rows only from the table: a text field's Ctrl+C copies its text
        self.copy_rows.setShortcutContext(Qt.ShortcutContext.WidgetWithChildrenShortcut)
        self.appearance = QActionGroup(window)
        for key, text in (("system", "Follow the &system"), ("light", "&Light"), ("dark", "&Dark")):
            action = QAction(text, self.appearance, checkable=True)
            action.setObjectName(f"appearance{key.title()}Action")
            action.setData(key)
        self.appearance.actions()[0].setChecked(True)
        self._owner = window
        self._menus: list[QMenu] = []
        self.views_menu = QMenu("Saved &views", window)  # filled by gui.ui.saved_views
        self.views_menu.setObjectName("savedViewsMenu")

    def __getattr__(self, attr: str) -> QAction:
        name = "".join(part.title() if i else part for i, part in enumerate(attr.split("_"))) + "Action"
        try:
            action: QAction = self.__dict__["by_name"][name]
        except KeyError:
            raise AttributeError(attr) from None
        return action

    def menus(self) -> list[QMenu]:
        """This tab's menus (made once, owned by the tab): File, Stream, Edit, View, Help."""
        if self._menus:
            return self._menus
        menus = (
            (
                "&File",
                (
                    "add_connection",
                    "manage_connections",
                    None,
                    "new_subscription",
                    "add_subscription",
                    "create_subscription_from_view",
                    "manage_subscriptions",
                    None,
                    "new_tab",
                    "close_tab",
                    *_EXPORTS,
                ),
            ),
            ("&Stream", ("start", "pause", "stop", "retry", None, "commit")),
            ("&Edit", ("copy_rows", None, "find", "clear_filters")),
            ("&View", ("stream_health", None, "jump_to_newest", "local_time", "show_timeline", None, "save_view", "delete_view")),
            ("&Help", ("about",)),
        )
        for title, names in menus:
            menu = QMenu(title, self._owner)
            menu.setObjectName(title.strip("&").lower() + "Menu")
            for name in names:
                if name is None:
                    menu.addSeparator()
                else:
                    menu.addAction(getattr(self, name))
            if title == "&File":
                menu.addSeparator()
                menu.addAction(self.quit)
            if title == "&View":
                appearance = menu.addMenu("&Appearance")
                appearance.setObjectName("appearanceMenu")
                appearance.addActions(self.appearance.actions())
                menu.addMenu(self.views_menu)
            self._menus.append(menu)
        return self._menus

    def build_menus(self, window: QMainWindow) -> None:
        """The menu bar of ``window`` shows these commands (the current tab's menus; the previous
        tab keeps its own, nothing is deleted)."""
        bar = window.menuBar()
        bar.setObjectName("menuBar")
        bar.clear()
        for menu in self.menus():
            bar.addMenu(menu)


class ShortcutKeeper(QObject):
    """An event filter on the text fields of ``window`` (and only on them: an application-wide
    filter would see every event of the app): in such a field, the keys of window commands trigger
    the command instead of being taken by the field (its ShortcutOverride is not asked)."""

    def __init__(self, window: QWidget) -> None:
        super().__init__(window)
        self._keys = {_combined(QKeySequence(k)) for k in _FIELD_KEYS}
        self.fields: list[QWidget] = []
        for kind in (QLineEdit, QAbstractSpinBox):
            for field in window.findChildren(kind):
                self.watch(field)

    def watch(self, field: QWidget) -> None:
        """Serve ``field`` too (a field made after the window)."""
        field.installEventFilter(self)
        self.fields.append(field)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:  # noqa: N802
        if event.type() != QEvent.Type.ShortcutOverride:
            return False
        assert isinstance(event, QKeyEvent)
        return event.keyCombination().toCombined() in self._keys  # the field does not claim it: the shortcut fires


def _combined(keys: QKeySequence) -> int:
    """The first key combination of ``keys`` as an int (PySide6's stubs lack QKeySequence[i])."""
    first: Any = keys[0]  # type: ignore[index]
    return int(first.toCombined())


def action_button(action: QAction, text: str, name: str | None = None, *, follow_text: bool = False) -> QPushButton:
    """A push button that runs ``action`` and follows its enabled/checked state (and with
    ``follow_text`` its text: Start/Restart, Pause/Resume)."""
    button = QPushButton(action.icon(), text)
    if name:
        button.setObjectName(name)
    button.setAccessibleName(text.rstrip("…"))
    button.setToolTip(action.toolTip())
    button.setCheckable(action.isCheckable())
    button.clicked.connect(lambda: action.trigger())

    def follow() -> None:
        button.setEnabled(action.isEnabled())
        button.setIcon(action.icon())
        if action.isCheckable():
            button.setChecked(action.isChecked())
        if follow_text:
            button.setText(action.text().replace("&", ""))

    action.changed.connect(follow)
    follow()
    return button


W = TypeVar("W", bound=QWidget)


def named(widget: W, name: str, accessible: str) -> W:
    """``widget`` with the objectName tests and accessibility tools find it by."""
    widget.setObjectName(name)
    widget.setAccessibleName(accessible)
    return widget


def built(widget: W, name: str | None, **properties: Any) -> W:
    """``widget`` with its objectName and Qt properties (``text="Copy"``, ``readOnly=True``): what
    keyword construction does at run time, which PySide6's type stubs reject."""
    if name:
        widget.setObjectName(name)
    for key, value in properties.items():
        if not widget.setProperty(key, value) and widget.property(key) != value:
            raise AttributeError(f"{type(widget).__name__} has no property {key!r}")
    return widget
