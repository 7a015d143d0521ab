"""The command line's arguments and exit codes, parsed once (Qt-free): ``event-monitor`` (the
window, ``gui.app``) and its commands (``gui.cli``) both read what ``build_parser`` makes."""

from __future__ import annotations

import argparse

from gui import __version__
from gui.api.models import TENANT_DEPTHS, TENANT_TOPIC

EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_AUTH, EXIT_SECRET, EXIT_STORE, EXIT_DISPLAY = 0, 1, 2, 3, 4, 5, 6
EXIT_CODES = (
    (EXIT_OK, "done, or stopped (Ctrl+C, SIGTERM, or tail's reader went away)"),
    (EXIT_FAILED, "the server or the network failed for good"),
    (EXIT_USAGE, "bad arguments"),
    (EXIT_AUTH, "authentication or permission refused"),
    (EXIT_SECRET, "no secret, or no usable OS keyring"),
    (EXIT_STORE, "the local state file cannot be used"),
    (EXIT_DISPLAY, "no display to open the window on"),
)
EXIT_EPILOG = "exit codes:\n" + "\n".join(f"  {code}  {text}" for code, text in EXIT_CODES)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="event-monitor",
        description="Watch the Acronis Cyber Platform Event Manager stream. Without a command, opens the window.",
        epilog=EXIT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("--demo", action="store_true", help="open the window on the built-in emulator")
    parser.add_argument("--insecure-http", action="store_true", help="allow plain http:// to non-loopback hosts")
    parser.add_argument("-v", "--verbose", action="store_true", help="log debug details to stderr")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    emu = commands.add_parser("emulator", help="run the local Event Manager emulator")
    emu.add_argument("--host", default="127.0.0.1", help="address to listen on (default: 127.0.0.1)")
    emu.add_argument("--port", type=int, default=0, help="0 picks a free port")
    emu.add_argument("--history", type=int, default=1000, help="events already in the topics at start")
    emu.add_argument("--rate", type=float, default=2.0, help="new events per second (0: none)")
    emu.add_argument(
        "--seed", type=int, default=1, help="seed of the generated events (the same seed, the same events)"
    )
    emu.add_argument(
        "--world",
        choices=("datacenter", "simple"),
        default="datacenter",
        help="datacenter (default): a topic shared by several partners, yours a minority, so your "
        "sequences are sparse, with TTS consolidation; simple: one partner, consecutive sequences",
    )
    emu.add_argument("--partners", type=int, default=4, help="partners sharing the data center's topics")
    emu.add_argument(
        "--replay",
        type=int,
        default=0,
        metavar="N",
        help="make live events from N pre-generated payloads (for load tests of 10,000+ events/s)",
    )
    emu.add_argument(
        "--max-events",
        type=int,
        default=None,
        metavar="N",
        help="keep at most N events per topic; the oldest go, as a topic's retention drops them (default: all)",
    )
    emu.add_argument("--client-id", help="the API client ID it accepts (default: a new one, printed)")
    emu.add_argument("--client-secret", help="the API client secret it accepts (default: a new one, printed)")
    emu.add_argument("--token-ttl", type=float, default=7200, help="seconds a token lives")
    emu.add_argument(
        "--token-expiry",
        choices=("expires_in", "expires_on", "both"),
        default="expires_in",
        help="which expiry field the token answer carries (expires_on: absolute epoch seconds)",
    )
    emu.add_argument(
        "--no-names-in-payloads",
        action="store_true",
        help="tenant payloads without names: the monitor reads them from the Account Management API",
    )
    emu.add_argument(
        "--empty-status",
        type=int,
        choices=(200, 202),
        default=200,
        help="answer to an empty long-poll: 200 with no events, or 202 + Retry-After",
    )
    emu.add_argument(
        "--non-persistent",
        action="append",
        default=[],
        metavar="TOPIC",
        help="a topic that says persistency false (repeatable; the Stream health panel warns of it)",
    )

    prof = commands.add_parser("profile", help="saved connections").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    add = prof.add_parser("add", help="save a connection; the secret goes to the OS keyring")
    add.add_argument("name", help="the connection's name, for --profile")
    add.add_argument("--url", required=True, help="data center URL, e.g. https://eu2-cloud.acronis.com")
    add.add_argument("--client-id", required=True, help="the API client ID")
    add.add_argument("--secret-stdin", action="store_true", help="read the secret from standard input")
    update = prof.add_parser(
        "update", help="change a saved connection; a new URL or client ID takes the secret along in the keyring"
    )
    update.add_argument("name", help="the saved connection's name")
    update.add_argument("--url", help="the new data center URL")
    update.add_argument("--client-id", help="the new API client ID")
    update.add_argument(
        "--secret-stdin",
        action="store_true",
        help="replace the secret in the OS keyring with one read from standard input",
    )
    prof.add_parser("list", help="list saved connections")
    rm = prof.add_parser("remove", help="forget a connection and its secret")
    rm.add_argument("name", help="the saved connection's name")

    sub = commands.add_parser("subscription", help="subscriptions").add_subparsers(
        dest="action", metavar="ACTION", required=True
    )
    create = sub.add_parser("create", help="create a subscription on the server and remember it")
    _connection_args(create)
    create.add_argument("--id", help="subscription UUID (default: a new one)")
    create.add_argument("--topic", default=TENANT_TOPIC, help=f"topic CTI identifier (default: {TENANT_TOPIC})")
    create.add_argument(
        "--type",
        dest="types",
        action="append",
        required=True,
        metavar="PATTERN",
        help="event type or pattern with a trailing *, repeatable",
    )
    create.add_argument(
        "--tenant-depth",
        choices=TENANT_DEPTHS,
        default="ALL",
        help="CURRENT: the tenant only; DIRECT: and its children; ALL (default): and everything below it",
    )
    create.add_argument("--tenant-id", help="the tenant whose events to read (default: the API client's own)")
    create.add_argument("--auto-commit", action="store_true", help="the server commits each batch it hands out")
    create.add_argument(
        "--session-timeout",
        default="PT30S",
        help="ISO 8601 duration after which a silent reader loses the lead to a standby (default: PT30S)",
    )
    create.add_argument("--cel", help='CEL filter, e.g. data.kind == "customer"')
    addsub = sub.add_parser("add", help="remember an existing subscription by ID")
    _connection_args(addsub)
    addsub.add_argument("id", help="subscription UUID")
    addsub.add_argument("--topic", default=TENANT_TOPIC, help=f"its topic (default: {TENANT_TOPIC})")
    addsub.add_argument(
        "--type", dest="types", action="append", metavar="PATTERN", help="its event types, repeatable (default: all)"
    )
    lst = sub.add_parser("list", help="subscriptions known for a connection")
    _connection_args(lst)
    show = sub.add_parser("show", help="what is known here of a subscription: its settings, consumer ID, stored offset")
    _connection_args(show)
    show.add_argument("id", help="subscription UUID")
    forget = sub.add_parser(
        "remove", help="forget a subscription here, with its consumer ID and stored offset (the server keeps it)"
    )
    _connection_args(forget)
    forget.add_argument("id", help="subscription UUID")

    tail = commands.add_parser(
        "tail",
        help="print a subscription's events as they arrive",
        description="Print a subscription's events on standard output as they arrive, one whole line each;\n"
        "states, gaps and errors go to standard error.",
        epilog=EXIT_EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    _connection_args(tail)
    tail.add_argument("--subscription", required=True, metavar="ID", help="subscription UUID")
    tail.add_argument(
        "--from",
        dest="start",
        default="committed",
        metavar="POSITION",
        help="earliest|committed|stored|latest|<offset>|<RFC 3339 time> (default: committed)",
    )
    tail.add_argument(
        "--commit",
        choices=("none", "server", "stored"),
        default="none",
        help="after each batch: none (default), commit the offset to the server (shared by every reader of the "
        "subscription), or store it on this machine (--from stored resumes there)",
    )
    tail.add_argument(
        "--format",
        choices=("jsonl", "csv"),
        default="jsonl",
        help="jsonl (default): each event's JSON as received, one a line; csv: a header, then a row an event, "
        "with each tenant's name",
    )
    tail.add_argument("--max-events", type=int, metavar="N", help="stop after N events (default: run until stopped)")
    tail.add_argument(
        "--limit", type=int, default=100, metavar="N", help="at most N events per poll, 1 to 100 (default: 100)"
    )
    tail.add_argument(
        "--timeout", default="PT30S", metavar="DURATION", help="long-poll timeout, ISO 8601 (default: PT30S)"
    )
    tail.add_argument(
        "--quiet",
        action="store_true",
        help="no [gap] lines for skipped sequences (a summary of them once a minute otherwise); "
        "[lost], states and errors are still said",
    )
    tail.add_argument(
        "--consumer-id",
        metavar="UUID",
        help="read as another instance with this consumer ID instead of this machine's (the server keeps "
        "one reader of a subscription leading, the others on standby)",
    )
    return parser


def _connection_args(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("connection (a saved profile, or URL and client ID)")
    group.add_argument("--profile", metavar="NAME", help="a saved connection (see `profile list`)")
    group.add_argument("--url", help="data center URL, e.g. https://eu2-cloud.acronis.com")
    group.add_argument(
        "--client-id", help="the API client ID (its secret: the keyring, or $EVENT_MONITOR_CLIENT_SECRET)"
    )
