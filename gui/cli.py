"""The ``event-monitor`` command: the window by default, plus emulator, profile, subscription and tail.

Exit codes: see EXIT_CODES (listed in ``--help``).
"""

from __future__ import annotations

import argparse
import getpass
import logging
import signal
import sys
import threading
import time
import uuid
from collections.abc import Sequence
from functools import partial

from gui import __version__
from gui.api import errors
from gui.api.client import EventManagerClient, normalize_dc_url
from gui.api.durations import parse_duration
from gui.api.models import TENANT_DEPTHS, TENANT_TOPIC, Subscription, all_types_pattern
from gui.display import display_problem
from gui.storage import secrets
from gui.storage.store import Profile, StateStore, StoreError
from gui.terminal import SafeText

CREATE_ATTEMPTS = 3  # a subscription's POST, sent again after a lost answer
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


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


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


def main(argv: Sequence[str] | None = None) -> int:
    if not isinstance(sys.stderr, SafeText):  # states, errors and notes may quote a server's text
        sys.stderr = SafeText(sys.stderr)
    args_list = list(sys.argv[1:] if argv is None else argv)
    parser = build_parser()
    args = parser.parse_args(args_list)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING,
        format="%(levelname)s %(name)s: %(message)s",
        stream=sys.stderr,
    )
    if args.command is None:
        problem = display_problem()
        if problem is not None:
            print(f"event-monitor: {problem}", file=sys.stderr)
            return EXIT_DISPLAY
        from gui.app import run  # Qt only when the window is wanted

        return int(run(args_list))
    try:
        if args.command == "emulator":
            return cmd_emulator(args)
        store = StateStore()
        if args.command == "profile":
            return cmd_profile(args, store)
        if args.command == "subscription":
            return cmd_subscription(args, store)
        from gui.tail import cmd_tail

        return cmd_tail(args, store)
    except CliError as err:
        print(f"event-monitor: {err}", file=sys.stderr)
        return err.code
    except StoreError as err:
        print(f"event-monitor: {err}", file=sys.stderr)
        return EXIT_STORE
    except secrets.KeyringUnavailable as err:
        print(f"event-monitor: {err}", file=sys.stderr)
        return EXIT_SECRET
    except (errors.AuthenticationError, errors.PermissionDenied) as err:
        print(f"event-monitor: {err}", file=sys.stderr)
        return EXIT_AUTH
    except errors.ConfigurationError as err:
        print(f"event-monitor: {err}", file=sys.stderr)
        return EXIT_USAGE
    except errors.ApiError as err:
        print(f"event-monitor: {err}", file=sys.stderr)
        return EXIT_FAILED
    except ValueError as err:
        print(f"event-monitor: {err}", file=sys.stderr)
        return EXIT_USAGE


# -- emulator ------------------------------------------------------------------------------------


def cmd_emulator(args: argparse.Namespace) -> int:
    from gui.emulator import Emulator

    if args.max_events is not None and args.max_events < 1:
        raise CliError("--max-events must be at least 1", EXIT_USAGE)
    if not 1 <= args.partners <= 64:
        raise CliError("--partners must be between 1 and 64", EXIT_USAGE)

    emulator = Emulator(
        args.host,
        args.port,
        rate=args.rate,
        seed=args.seed,
        history=args.history,
        client_id=args.client_id,
        client_secret=args.client_secret,
        token_ttl=args.token_ttl,
        token_expiry=args.token_expiry,
        names_in_payloads=not args.no_names_in_payloads,
        empty_status=args.empty_status,
        replay=args.replay,
        max_events=args.max_events,
        world=args.world,
        partners=args.partners,
    )
    stop = threading.Event()
    for sig in (signal.SIGINT, signal.SIGTERM):
        signal.signal(sig, lambda *_: stop.set())
    with emulator:
        print(emulator.banner(), flush=True)
        stop.wait()
    return EXIT_OK


# -- profiles ------------------------------------------------------------------------------------


def _read_secret(from_stdin: bool) -> str:
    if from_stdin or not sys.stdin.isatty():
        secret = sys.stdin.readline().strip()
    else:
        secret = getpass.getpass("Client secret (stored in the OS keyring): ")
    if not secret:
        raise CliError("no client secret given", EXIT_USAGE)
    return secret


def cmd_profile(args: argparse.Namespace, store: StateStore) -> int:
    if args.action == "add":
        url = normalize_dc_url(args.url, allow_insecure_http=args.insecure_http)
        secret = _read_secret(args.secret_stdin)
        secrets.set_secret(url, args.client_id, secret)  # first: no profile without its secret
        store.save_profile(Profile(args.name, url, args.client_id))
        print(f"Saved connection {args.name!r} ({args.client_id} at {url}); the secret is in the OS keyring.")
    elif args.action == "update":
        update_profile(args, store)
    elif args.action == "list":
        profiles = store.profiles()
        if not profiles:
            print("No saved connections. Add one with: event-monitor profile add NAME --url URL --client-id ID")
        for p in profiles:
            print(f"{p.name}\t{p.url}\t{p.client_id}")
    else:
        profile = store.profile(args.name)
        if profile is None:
            raise CliError(f"no connection named {args.name!r}", EXIT_USAGE)
        secrets.delete_secret(profile.url, profile.client_id)
        store.remove_profile(args.name)
        print(f"Removed connection {args.name!r} and its secret.")
    return EXIT_OK


def update_profile(args: argparse.Namespace, store: StateStore) -> None:
    old = store.profile(args.name)
    if old is None:
        raise CliError(f"no connection named {args.name!r}; see `event-monitor profile list`", EXIT_USAGE)
    if not (args.url or args.client_id or args.secret_stdin):
        raise CliError("nothing to change: give --url, --client-id or --secret-stdin", EXIT_USAGE)
    url = normalize_dc_url(args.url, allow_insecure_http=args.insecure_http) if args.url else old.url
    client_id = args.client_id or old.client_id
    moved = (url, client_id) != (old.url, old.client_id)
    if args.secret_stdin:
        secret: str | None = _read_secret(True)
        said = "the new secret is in the OS keyring"
    else:
        secret = secrets.get_secret(old.url, old.client_id, env=False) if moved else None
        said = "its secret moved along in the OS keyring" if secret else ""
    if moved and not secret:
        said = f"no secret was stored for it: add one with `event-monitor profile update {args.name} --secret-stdin`"
    if secret:
        secrets.set_secret(url, client_id, secret)  # first: the profile never points at no secret
    store.save_profile(Profile(args.name, url, client_id))
    shared = any((p.url, p.client_id) == (old.url, old.client_id) for p in store.profiles())
    if moved and not shared:  # the old connection's secret is no one's now
        secrets.delete_secret(old.url, old.client_id)
    print(f"Updated connection {args.name!r} ({client_id} at {url}){'; ' + said if said else ''}.")


def connection_of(args: argparse.Namespace, store: StateStore) -> tuple[str, str]:
    """The data center URL and client ID that ``--profile`` or ``--url``/``--client-id`` name."""
    if args.profile:
        profile = store.profile(args.profile)
        if profile is None:
            raise CliError(f"no connection named {args.profile!r}; see `event-monitor profile list`", EXIT_USAGE)
        url, client_id = profile.url, profile.client_id
    elif args.url and args.client_id:
        url = normalize_dc_url(args.url, allow_insecure_http=args.insecure_http)
        client_id = args.client_id
    else:
        raise CliError("give --profile NAME, or --url and --client-id", EXIT_USAGE)
    return url, client_id


def connect(args: argparse.Namespace, store: StateStore) -> EventManagerClient:
    url, client_id = connection_of(args, store)
    secret = secrets.get_secret(url, client_id)
    if not secret:
        raise CliError(
            f"no secret for {client_id} at {url}: save it with `event-monitor profile add`, "
            f"or set {secrets.SECRET_ENV}",
            EXIT_SECRET,
        )
    return EventManagerClient(url, client_id, secret, allow_insecure_http=args.insecure_http)


# -- subscriptions -------------------------------------------------------------------------------


def cmd_subscription(args: argparse.Namespace, store: StateStore) -> int:
    if args.action in ("list", "add", "show", "remove"):  # local only: no secret needed
        url, client_id = connection_of(args, store)
        if args.action == "list":
            for s in store.subscriptions(url, client_id):
                extra = f" cel={s.cel}" if s.cel else ""
                print(f"{s.subscription_id}\t{s.topic_id}\t{','.join(s.types)}\t{s.tenant_depth}{extra}")
        elif args.action == "add":
            spec = Subscription(args.id, args.topic, tuple(args.types or [all_types_pattern(args.topic)]))
            store.save_subscription(url, client_id, spec)
            print(f"Remembered subscription {spec.subscription_id}.")
        elif args.action == "show":
            show_subscription(store, url, client_id, args.id)
        elif store.forget_subscription(url, client_id, args.id):
            print(
                f"Forgot subscription {args.id} here, with this machine's consumer ID and stored offset for it. "
                "It still exists on the server (the API cannot delete it); add it again by ID to read it."
            )
        else:
            raise CliError(f"subscription {args.id} is not remembered for {client_id} at {url}", EXIT_USAGE)
        return EXIT_OK
    client = connect(args, store)
    parse_duration(args.session_timeout)
    if args.cel:  # checked here as the window's dialog checks it, before anything is sent
        from gui.eventlog import cel

        problem = cel.check(args.cel)
        if problem is not None:
            raise CliError(f"--cel {args.cel!r}: {problem}; nothing was sent", EXIT_USAGE)
    spec = Subscription(
        subscription_id=args.id or str(uuid.uuid4()),
        topic_id=args.topic,
        types=tuple(args.types),
        tenant_depth=args.tenant_depth,
        tenant_id=args.tenant_id,
        auto_commit=args.auto_commit,
        session_timeout=args.session_timeout,
        cel=args.cel,
    )
    created = _create(client, store, spec)
    store.save_subscription(client.dc_url, client.client_id, created)
    print(created.subscription_id)
    return EXIT_OK


def show_subscription(store: StateStore, url: str, client_id: str, subscription_id: str) -> None:
    spec = store.subscription(url, client_id, subscription_id)
    if spec is None:
        raise CliError(
            f"subscription {subscription_id} is not remembered for {client_id} at {url}; "
            "see `event-monitor subscription list`",
            EXIT_USAGE,
        )
    consumer = store.known_consumer_id(url, client_id, subscription_id)
    offset = store.stored_offset(url, client_id, subscription_id)
    scope = {
        "CURRENT": "the tenant only",
        "DIRECT": "the tenant and its direct children",
        "ALL": "the tenant and all below it",
    }
    tenant = spec.tenant_id or "the API client's own tenant"
    rows = [
        ("subscription", spec.subscription_id),
        ("topic", spec.topic_id),
        ("types", ", ".join(spec.types)),
        ("tenant scope", f"{spec.tenant_depth}: {scope.get(spec.tenant_depth, spec.tenant_depth)} ({tenant})"),
        ("CEL filter", spec.cel or "(none)"),
        ("auto-commit", "yes" if spec.auto_commit else "no"),
        ("session timeout", spec.session_timeout),
        ("consumer ID", consumer or "(none yet: made when this machine first reads it)"),
        ("stored offset", "(none)" if offset is None else str(offset)),
    ]
    for label, value in rows:
        print(f"{label + ':':<17}{value}")


def _refused_for_sure(err: errors.ApiError, attempt: int) -> bool:
    """The server certainly did not create the subscription: it refused the request itself. The
    body (400, 422) is refused whatever came before; a refusal of the caller (401, 403) only
    settles it when no earlier attempt may have gone through."""
    if isinstance(err, errors.BadRequest | errors.ConfigurationError):
        return True
    return (
        attempt == 1
        and not err.retryable
        and isinstance(err, errors.AuthenticationError | errors.PermissionDenied | errors.NotFound | errors.TlsError)
    )


def _create(client: EventManagerClient, store: StateStore, spec: Subscription) -> Subscription:
    """Create ``spec`` on the server. The client chooses the ID: remembered before it is sent and
    said at once, so an answer lost on the way (the API cannot list subscriptions) never leaves an
    orphan; the same POST is retried, and a 409 to a retry means an earlier attempt created it. A
    definite refusal forgets the ID again: nothing was created."""
    forget = partial(store.remove_subscription, client.dc_url, client.client_id, spec.subscription_id)
    store.save_subscription(client.dc_url, client.client_id, spec)
    print(f"[info] creating subscription {spec.subscription_id}", file=sys.stderr, flush=True)
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            return client.create_subscription(spec)
        except errors.SubscriptionExists as err:
            if attempt == 1:  # it was there before us: not ours to remember
                forget()
                raise CliError(str(err), EXIT_FAILED) from err
            return spec  # an earlier attempt of ours created it; its answer was lost
        except errors.ApiError as err:
            if _refused_for_sure(err, attempt):
                forget()
                code = (
                    EXIT_AUTH if isinstance(err, errors.AuthenticationError | errors.PermissionDenied) else EXIT_FAILED
                )
                raise CliError(
                    f"{str(err).rstrip('.')}. Nothing was created, and subscription {spec.subscription_id} is not "
                    "remembered here",
                    code,
                ) from err
            if not err.retryable or attempt == CREATE_ATTEMPTS:
                raise CliError(
                    f"{err}. Subscription {spec.subscription_id} may or may not exist on the server; it is "
                    f"remembered here, and `event-monitor subscription create --id {spec.subscription_id} ...` "
                    "tries again safely",
                    EXIT_FAILED,
                ) from err
            print(
                f"[retry] {str(err).rstrip('.')}; sending it again ({attempt + 1} of {CREATE_ATTEMPTS})",
                file=sys.stderr,
            )
            time.sleep(attempt)
    raise AssertionError("unreachable")


# -- tail (gui/tail.py) ---------------------------------------------------------------------------


def exit_code_for(error: str) -> int:
    if error in (errors.AuthenticationError.__name__, errors.PermissionDenied.__name__):
        return EXIT_AUTH
    if error == errors.ConfigurationError.__name__ or error == "ValueError":
        return EXIT_USAGE
    if error == StoreError.__name__:
        return EXIT_STORE
    return EXIT_FAILED


def entry() -> None:
    """Console-script entry point."""
    try:
        code = main()
    except KeyboardInterrupt:
        code = 130
    sys.exit(code)
