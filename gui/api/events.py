"""The events of one poll answer, decoded without building a dict per event (Qt-free).

Decoding ``GET /events`` into dicts costs more than everything else the monitor does with an event.
``Events`` instead keeps each event's JSON exactly as received (a zero-copy span of the answer) and
decodes, in C (msgspec), only what the consumer and the table need at once: sequence, previous,
type, tenant and source, and the spans of the ID, subject, time and payload for the search text.
A dict is parsed only when something asks for one (CEL, CSV, the detail view).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Sequence
from itertools import compress
from operator import attrgetter
from typing import Annotated, Any, overload

import msgspec
import orjson

_NULL = msgspec.Raw(b"null")
_EMPTY = msgspec.Raw(b'""')


# sequences and offsets are int64 in the API (and in the store's arrays): a server sending 2**70
# is refused with a clear message, never an overflow deep in the store
INT64_MAX = 2**63 - 1
Int64 = Annotated[int, msgspec.Meta(ge=-INT64_MAX - 1, le=INT64_MAX)]


class _Head(msgspec.Struct, gc=False):  # no cycles possible: kept out of the cyclic collector's work
    sequence: Int64
    previous: Int64 | None = None
    type: str = ""
    tenant_id: str = ""
    source: str = ""
    id: msgspec.Raw = _EMPTY
    time: msgspec.Raw = _EMPTY
    subject: msgspec.Raw = _EMPTY
    data: msgspec.Raw = _NULL


class _Heads(msgspec.Struct):
    events: list[_Head]
    offset: Int64


class _Spans(msgspec.Struct):
    events: list[msgspec.Raw]


_HEADS = msgspec.json.Decoder(_Heads)
_SPANS = msgspec.json.Decoder(_Spans)
_HEAD_LIST = msgspec.json.Decoder(list[_Head])
_FIELDS = {name: attrgetter(name) for name in ("sequence", "previous", "type", "tenant_id", "source")}
_TEXT_PARTS = attrgetter("id", "subject", "time", "data")
_TIME = attrgetter("time")


BIG_JSON = 1024 * 1024


def loads(raw: bytes | memoryview) -> Any:
    """JSON that orjson refuses but is valid (a number beyond a double, 1e400, becomes inf; an
    integer beyond 64 bits stays a Python int) is read by the standard library instead: odd values
    display rather than fail."""
    try:
        if len(raw) > BIG_JSON:  # orjson's peak is ~13x a long string's size; msgspec's ~1x
            return msgspec.json.decode(raw)
        return orjson.loads(raw)
    except (orjson.JSONDecodeError, msgspec.DecodeError, msgspec.ValidationError):
        try:
            return json.loads(bytes(raw))
        except RecursionError:
            raise orjson.JSONDecodeError(
                "nested too deeply to read", bytes(raw)[:100].decode("utf-8", "replace"), 0
            ) from None


def dumps_text(value: Any, *, indent: bool = False) -> str:
    """JSON text of any value read by ``loads``: orjson's, or the standard library's for what orjson
    cannot write (inf, integers beyond 64 bits, more than 255 levels)."""
    try:
        return orjson.dumps(value, option=orjson.OPT_INDENT_2 if indent else None).decode()
    except TypeError:
        return json.dumps(value, indent=2 if indent else None, ensure_ascii=False, default=str)


def dumps_pretty(value: Any) -> str:
    """Indented JSON for people, whatever the values (inf, integers beyond 64 bits)."""
    return dumps_text(value, indent=True)


class MalformedEvents(ValueError):
    """The answer is not a JSON object with ``events`` (objects with an integer sequence) and ``offset``."""


class Events(Sequence[dict[str, Any]]):
    """Events of one answer: each one's JSON (``raws``), a few columns, and dicts on demand."""

    __slots__ = ("_dicts", "heads", "prepared", "raws", "rule_matches")

    def __init__(self, raws: Sequence[bytes | msgspec.Raw], heads: Sequence[_Head]) -> None:
        self.raws = raws
        self.heads = heads
        self._dicts: dict[int, dict[str, Any]] = {}
        self.prepared: object = None  # a store-ready form, made off the UI thread (gui.eventlog.store.prepare)
        self.rule_matches = 0  # events the window's notification rule matched (counted off the UI thread)

    @classmethod
    def decode(cls, body: bytes) -> tuple[Events, int]:
        """Events and the next offset of an answer body; raises MalformedEvents."""
        try:
            heads = _HEADS.decode(body)
            spans = _SPANS.decode(body)
        except (msgspec.ValidationError, msgspec.DecodeError) as err:
            raise MalformedEvents(str(err)) from None
        except RecursionError:  # 100,000 nested arrays
            raise MalformedEvents("an event is nested too deeply to read") from None
        return cls(spans.events, heads.events), heads.offset

    @classmethod
    def from_dicts(cls, events: Iterable[dict[str, Any]]) -> Events:
        raws = [memoryview(orjson.dumps(e)).tobytes() for e in events]  # exact size: orjson over-allocates
        try:
            heads = _HEAD_LIST.decode(b"[" + b",".join(raws) + b"]")
        except (msgspec.ValidationError, msgspec.DecodeError) as err:
            raise MalformedEvents(str(err)) from None
        return cls(raws, heads)

    # -- columns (C-level loops) -----------------------------------------------------------

    def column(self, name: str) -> Iterator[Any]:
        """``sequence``, ``previous`` (None when absent), ``type``, ``tenant_id`` or ``source`` of each event."""
        return map(_FIELDS[name], self.heads)

    def times(self) -> Iterator[msgspec.Raw]:
        """Each event's ``time`` as its JSON text."""
        return map(_TIME, self.heads)

    def text_parts(self) -> Iterator[tuple[msgspec.Raw, ...]]:
        """(id, subject, time, payload) JSON spans of each event, for the search text."""
        return map(_TEXT_PARTS, self.heads)

    def payloads(self) -> list[msgspec.Raw]:
        return [h.data for h in self.heads]

    def take(self, indexes: Sequence[int]) -> Events:
        """The events at ``indexes`` (in order)."""
        mask = [False] * len(self.raws)
        for i in indexes:
            mask[i] = True
        return Events(list(compress(self.raws, mask)), list(compress(self.heads, mask)))

    def jsonl(self) -> bytes:
        """One line of JSON per event, as received."""
        return b"\n".join(self.raws) + b"\n" if self.raws else b""

    def json_array(self) -> bytes:
        return b"[" + b",".join(self.raws) + b"]"

    # -- Sequence[dict] --------------------------------------------------------------------

    def __len__(self) -> int:
        return len(self.raws)

    @overload
    def __getitem__(self, index: int) -> dict[str, Any]: ...

    @overload
    def __getitem__(self, index: slice) -> Events: ...

    def __getitem__(self, index: int | slice) -> dict[str, Any] | Events:
        if isinstance(index, slice):
            return Events(self.raws[index], self.heads[index])
        if index < 0:
            index += len(self.raws)
        event = self._dicts.get(index)
        if event is None:
            event = self._dicts[index] = loads(memoryview(self.raws[index]))
        return event

    def __iter__(self) -> Iterator[dict[str, Any]]:
        return (self[i] for i in range(len(self.raws)))

    def __repr__(self) -> str:
        return f"Events({len(self)} events, sequences {list(self.column('sequence'))[:5]}...)"


EMPTY = Events((), ())
