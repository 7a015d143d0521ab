"""Text for a terminal: control characters a server put in an event or an error message (ESC,
BEL...) could move the cursor, retitle the window or worse; they are shown as ``\\x1b`` instead.
Tab, line feed and carriage return (CSV's line ends) stay."""

from __future__ import annotations

import io
from typing import TextIO

_KEEP = {9, 10, 13}
_VISIBLE = {c: f"\\x{c:02x}" for c in (*range(32), 127, *range(0x80, 0xA0)) if c not in _KEEP}


def neutralised(text: str) -> str:
    return text.translate(_VISIBLE)


class SafeText(io.TextIOBase):
    """A text stream that neutralises control characters on their way to ``inner``."""

    def __init__(self, inner: TextIO) -> None:
        super().__init__()
        self.inner = inner

    def write(self, text: str) -> int:
        self.inner.write(neutralised(text))
        return len(text)

    def flush(self) -> None:
        self.inner.flush()

    def isatty(self) -> bool:
        return self.inner.isatty()

    def fileno(self) -> int:
        return self.inner.fileno()

    @property
    def encoding(self) -> str:  # type: ignore[override]
        return getattr(self.inner, "encoding", "utf-8")
