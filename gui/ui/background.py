"""One way to run work off the UI thread (like Anki's ``QueryOp``): ``run(owner, work, success,
failure, key=...)``. ``work`` runs on a worker thread of the qasync loop; ``success`` or
``failure`` runs on the UI thread with its value or exception. A failure with no ``failure``
callback goes to the message path (``gui.ui.message``), with the owner's tab.

- ``key``: a newer call with the same key and owner supersedes an older one, whose answer is then
  dropped (the resolved offset of a position no longer chosen, the history of a row no longer
  selected, the lag of a stream that is gone). ``cancel(owner, key)`` drops the answer in flight.
- An answer that arrives after its owner was deleted (a closed tab) is dropped.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable
from typing import Any, TypeVar

import shiboken6
from PySide6.QtCore import QObject

from gui.ui import message

log = logging.getLogger(__name__)
T = TypeVar("T")

_tokens = itertools.count(1)
_latest: dict[tuple[int, str], int] = {}  # (owner, key) -> the token of the newest call
_tasks: set[asyncio.Future[None]] = set()


def run(
    owner: QObject,
    work: Callable[[], T],
    success: Callable[[T], None],
    failure: Callable[[Exception], None] | None = None,
    *,
    key: str | None = None,
    what: str = "",
) -> None:
    """Run ``work`` off the UI thread; then ``success(value)`` or ``failure(error)`` on it.
    ``what`` names the work in the message shown when there is no ``failure``."""
    token = next(_tokens)
    slot = (id(owner), key) if key is not None else None
    if slot is not None:
        _latest[slot] = token
    loop = asyncio.get_event_loop()

    async def call() -> None:
        try:
            value = await loop.run_in_executor(None, work)
        except Exception as err:  # told to the user by `failure` or the message path
            log.info("background work failed: %s", err)
            error: Exception | None = err
        else:
            error = None
        if slot is not None:
            if _latest.get(slot) != token:
                log.debug("background answer superseded (%s)", key)
                return
            del _latest[slot]
        if not shiboken6.isValid(owner):  # its owner (a tab, a dialog) went meanwhile
            log.debug("background answer after its owner went")
            return
        if error is None:
            success(value)
        elif failure is not None:
            failure(error)
        else:
            message.error(owner, f"{what or 'Background work'} failed", str(error))

    task = asyncio.ensure_future(call(), loop=loop)
    _tasks.add(task)
    task.add_done_callback(_tasks.discard)


def cancel(owner: QObject, key: str) -> None:
    """The answer of ``owner``'s call ``key`` still in flight is dropped."""
    _latest.pop((id(owner), key), None)


def runner(owner: QObject) -> Callable[..., None]:
    """``run`` for ``owner`` as a ``(work, success, failure)`` callable (what dialogs take)."""

    def run_for(work: Callable[[], Any], success: Callable[[Any], None], failure: Callable[[Exception], None]) -> None:
        run(owner, work, success, failure)

    return run_for


def pending() -> int:
    """Calls not answered yet (all owners)."""
    return len(_tasks)
