"""Pure logic: durations, CTI patterns, subscriptions, CEL, CSV escaping, start positions."""

from __future__ import annotations

import csv
import io

import pytest

from gui.api.durations import parse_duration, parse_time
from gui.api.models import Subscription, all_types_pattern, short_type, type_matches
from gui.consumer import StartPosition
from gui.eventlog.cel import CelError, CelFilter, check
from gui.eventlog.export import csv_text, escape_cell

TENANT = "cti.a.p.em.topic.v1.0~a.p.tenant.v1.0"
CREATED = "cti.a.p.em.event.v1.0~a.p.tenant.created.v1.0"


@pytest.mark.parametrize(("text", "seconds"), [("PT30S", 30), ("PT5M", 300), ("P1DT1H", 90000), ("PT0S", 0)])
def test_durations(text: str, seconds: int) -> None:
    assert parse_duration(text) == seconds


@pytest.mark.parametrize("text", ["30s", "PT", "P", "", "PT5X"])
def test_bad_durations(text: str) -> None:
    with pytest.raises(ValueError, match="ISO 8601"):
        parse_duration(text)


def test_nanosecond_times_parse() -> None:
    assert parse_time("2024-10-01T11:01:16.03094914Z").microsecond == 30949


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-10-01T11:01:16.03094914Z", "2024-10-01T11:01:16.030949+00:00"),
        ("2024-10-01t11:01:16.5z", "2024-10-01T11:01:16.500000+00:00"),  # lowercase: the slow path
        (" 2024-10-01T13:01:16+02:00 ", "2024-10-01T11:01:16+00:00"),
        ("2024-10-01T11:01:16.123456789+01:00", "2024-10-01T10:01:16.123456+00:00"),
    ],
)
def test_times_in_any_rfc_3339_spelling_are_read_as_utc(text: str, expected: str) -> None:
    assert parse_time(text).isoformat() == expected


@pytest.mark.parametrize("bad", ["2024-10-01T11:01:16", "yesterday", "", 1727780476, None])
def test_a_time_without_zone_or_not_a_time_is_a_value_error(bad: object) -> None:
    with pytest.raises(ValueError):
        parse_time(bad)  # type: ignore[arg-type]


def test_type_patterns() -> None:
    assert type_matches("cti.a.p.em.event.v1.0~a.p.tenant.*", CREATED)
    assert type_matches(CREATED, CREATED)
    assert not type_matches("cti.a.p.em.event.v1.0~a.p.user.*", CREATED)
    assert all_types_pattern(TENANT) == "cti.a.p.em.event.v1.0~a.p.tenant.*"
    assert short_type(CREATED) == "tenant.created"


def test_subscription_validation_names_every_problem() -> None:
    with pytest.raises(ValueError) as info:
        Subscription("nope", "bad", (), tenant_depth="SOME", session_timeout="30s")
    text = str(info.value)
    for needle in ("not a UUID", "CTI", "between 1 and 32", "tenant depth", "session timeout"):
        assert needle in text


def test_cel_environment() -> None:
    event = {"type": CREATED, "sequence": 5, "data": {"kind": "customer"}, "tenant_id": "t"}
    assert CelFilter('data.kind == "customer" && sequence > 4').matches(event)
    assert not CelFilter('data.kind == "partner"').matches(event)
    assert not CelFilter("data.missing == 1").matches(event)  # evaluation error: no match
    assert CelFilter('subject == ""').matches(event)  # absent fields are empty
    assert check("data.kind ==") is not None
    with pytest.raises(CelError, match="invalid CEL"):
        CelFilter("(((")


@pytest.mark.parametrize(
    ("expression", "position", "words"),
    [
        ('data.kind == "unit" &&', (1, 23), "(the end): the expression stops too soon; expected a value (a field"),
        ("data.kind = 1", (1, 11), 'found "=" (to compare, write "=="); expected an operator (== != <'),
        ("1 2", (1, 3), 'found "2"; expected an operator'),
        ("a.b.", (1, 5), "expected a name"),
        ("(a == 1", (1, 8), 'expected ")"'),
        ('"abc', (1, 1), "a string is not closed"),
        ("a ==\n b +", (2, 5), "at line 2, character 5 (the end)"),
    ],
)
def test_an_invalid_cel_says_where_and_what_was_expected_in_words(
    expression: str, position: tuple[int, int], words: str
) -> None:
    with pytest.raises(CelError) as raised:
        CelFilter(expression)
    message = str(raised.value)
    assert raised.value.position == position
    line, column = position
    assert message.startswith(f"invalid CEL at {f'line {line}, ' if line > 1 else ''}character {column}")
    assert words in message and "^" not in message and "near:" not in message
    assert "__ANON" not in message and "_LIT" not in message  # words, not the parser's token names


@pytest.mark.parametrize(
    "expression",
    [
        'type.endsWith(".deleted.v1.0")',
        'type.endsWith(".deleted.v1.0") && tenant_id != "t1"',
        "sequence % 3 == 0 || subject == ''",
        'data.kind == "customer" && tenant_id == "t1"',
        'data.kind == "customer"',
        "has(data.contact.email) && data.contact.email.endsWith('.com')",
        "data.contact.email == 'u1@b.com' || data.contact == {'email': 'u2@b.org'}",
        "data.items.exists(x, x > 2)",
        "data.kind.size() > 7",
        "size(data) > 1 && data.n > 60",
        '[1].exists(data, data > 0) && data.kind == "partner"',
    ],
)
def test_cel_answers_remembered_per_field_values_are_the_evaluated_ones(expression: str) -> None:
    """An expression is evaluated once per distinct values of the fields it names (and of the
    payload paths it reads, when it reads the payload only through fixed paths); its answers must
    be those of evaluating every event whole."""
    kinds = ("created", "deleted", "updated")
    events: list[dict[str, object]] = [
        {
            "type": f"cti.a.p.em.event.v1.0~a.p.tenant.{kinds[n % 3]}.v1.0",
            "tenant_id": f"t{n % 4}",
            "sequence": n,
            "subject": "" if n % 5 == 0 else f"s{n}",
            "data": {
                "kind": "customer" if n % 2 else "partner",
                "n": n,
                **({"contact": {"email": f"u{n % 3}@b.{'com' if n % 4 else 'org'}"}} if n % 7 else {}),
                **({"items": [n % 5, 1]} if n % 3 else {"items": "not a list"}),
            },
        }
        for n in range(120)
    ]
    events.append({"type": ["not", "a", "string"], "tenant_id": {"a": 1}, "sequence": 7})  # malformed
    events.append({"type": "t", "data": "a string payload"})
    events.append({"type": "t", "data": {"contact": "not an object", "kind": 5}})
    events.append({"type": "t", "data": {"n": 2**70, "kind": "customer"}})  # no JSON for 2**70
    remembering = CelFilter(expression)
    evaluations = 0
    evaluate = remembering._program.evaluate

    def counted(activation: object) -> object:
        nonlocal evaluations
        evaluations += 1
        return evaluate(activation)

    remembering._program.evaluate = counted
    answers = [remembering.matches(e) for e in events]
    # a payload field the expression does not read cannot make it fail (cel-python cannot hold
    # 2**70: evaluated whole, the last event fails on that field alone)
    expected = [whole(expression, e) for e in events[:-1]]
    if remembering._paths is not None:
        expected.append(whole(expression, {"type": "t", "data": {"kind": "customer"}}))
    else:
        expected.append(whole(expression, events[-1]))
    assert answers == expected
    assert any(answers) and not all(answers)
    if "data" not in expression and "sequence" not in expression:
        assert evaluations < 20  # the distinct (type, tenant) values, not 121 events
    if expression == 'data.kind == "customer"':
        assert evaluations < 10  # the distinct kinds, not 124 events


def whole(expression: str, event: dict[str, object]) -> bool:
    """The answer of evaluating the expression over the whole event, nothing remembered."""
    reference = CelFilter(expression)
    activation = {name: event.get(name) or "" for name in reference._strings}
    for name in reference._ints:
        value = event.get(name)
        activation[name] = value if isinstance(value, int) else 0
    if reference._data:
        activation["data"] = event.get("data")
    return reference._evaluate(activation)


@pytest.mark.parametrize("value", ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx"])
def test_formula_cells_are_neutralised(value: str) -> None:
    assert escape_cell(value) == "'" + value


def test_csv_is_rfc4180_and_round_trips() -> None:
    events = [{"sequence": 1, "type": 'a "quoted", value', "data": {"k": "line\nbreak"}, "subject": "=HYPERLINK()"}]
    text = csv_text(events, ["sequence", "type", "data", "subject"])
    assert "\r\n" in text
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert rows[1] == ["1", 'a "quoted", value', '{"k":"line\\nbreak"}', "'=HYPERLINK()"]


@pytest.mark.parametrize(
    ("text", "kind", "value"),
    [
        ("earliest", "earliest", None),
        ("Stored", "stored", None),
        ("42", "offset", 42),
        ("2026-11-27T10:00:00+01:00", "time", "2026-11-27T09:00:00Z"),
    ],
)
def test_start_positions(text: str, kind: str, value: object) -> None:
    start = StartPosition.parse(text)
    assert (start.kind, start.value) == (kind, value)


def test_bad_start_position_explains() -> None:
    with pytest.raises(ValueError, match="not a start position"):
        StartPosition.parse("yesterday")


def test_client_reads_proxy_and_ca_settings_from_the_environment_once(monkeypatch: pytest.MonkeyPatch) -> None:
    from gui.api import EventManagerClient

    monkeypatch.setenv("HTTPS_PROXY", "http://proxy.example:3128")
    monkeypatch.setenv("NO_PROXY", "internal.example")
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", "/etc/company-ca.pem")
    client = EventManagerClient("https://eu2-cloud.example", "id", "secret")
    session = client._session
    assert session.proxies.get("https") == "http://proxy.example:3128"
    assert session.verify == "/etc/company-ca.pem" and not session.trust_env  # not re-read per request
    bypassed = EventManagerClient("https://dc.internal.example", "id", "secret")._session
    assert "https" not in bypassed.proxies
    monkeypatch.delenv("REQUESTS_CA_BUNDLE")
    monkeypatch.delenv("CURL_CA_BUNDLE", raising=False)
    assert EventManagerClient("https://eu2-cloud.example", "id", "secret")._session.verify is True
