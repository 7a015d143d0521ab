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

from gui.api import errors
from gui.api.client import EventManagerClient, normalize_dc_url
from gui.api.durations import parse_duration
from gui.api.models import Subscription, all_types_pattern
from gui.arguments import (
    EXIT_AUTH,
    EXIT_DISPLAY,
    EXIT_FAILED,
    EXIT_OK,
    EXIT_SECRET,
    EXIT_STORE,
    EXIT_USAGE,
    build_parser,
)
from gui.display import display_problem
from gui.storage import reader_lock, secrets
from gui.storage.connections import ConnectionChangeRefused, remove_connection, update_connection
from gui.storage.store import Profile, StateStore, StoreError
from gui.storage.subscription_facts import subscription_facts
from gui.terminal import SafeText

CREATE_ATTEMPTS = 3  # a subscription's POST, sent again after a lost answer


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_FAILED) -> None:
        super().__init__(message)
        self.code = code


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

        return int(run(args))
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
        non_persistent=tuple(args.non_persistent),
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
        try:
            remove_connection(store, args.name)
        except ConnectionChangeRefused as err:
            raise CliError(str(err), EXIT_USAGE) from err
        print(f"Removed connection {args.name!r} and its secret.")
    return EXIT_OK


def update_profile(args: argparse.Namespace, store: StateStore) -> None:
    if store.profile(args.name) is None:
        raise CliError(f"no connection named {args.name!r}; see `event-monitor profile list`", EXIT_USAGE)
    if not (args.url or args.client_id or args.secret_stdin):
        raise CliError("nothing to change: give --url, --client-id or --secret-stdin", EXIT_USAGE)
    url = normalize_dc_url(args.url, allow_insecure_http=args.insecure_http) if args.url else None
    secret = _read_secret(True) if args.secret_stdin else None
    done = update_connection(store, args.name, url=url, client_id=args.client_id, secret=secret)
    said = {
        "new": "the new secret is in the OS keyring",
        "moved": "its secret moved along in the OS keyring",
        "missing": f"no secret was stored for it: add one with `event-monitor profile update {args.name} --secret-stdin`",
    }.get(done.secret, "")
    new = done.new
    print(f"Updated connection {args.name!r} ({new.client_id} at {new.url}){'; ' + said if said else ''}.")


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
        elif _read_elsewhere(url, client_id, args.id):
            raise CliError(f"not forgotten: {_read_elsewhere(url, client_id, args.id)}", EXIT_FAILED)
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


def _read_elsewhere(url: str, client_id: str, subscription_id: str) -> str:
    """Why the subscription is in use on this machine (a window or a tail reads it), or ""."""
    try:
        reader_lock.acquire(url, client_id, subscription_id, kind="tail").release()
    except reader_lock.ReaderBusy as err:
        return str(err)
    return ""


def show_subscription(store: StateStore, url: str, client_id: str, subscription_id: str) -> None:
    facts = subscription_facts(store, url, client_id, subscription_id)
    if facts is None:
        raise CliError(
            f"subscription {subscription_id} is not remembered for {client_id} at {url}; "
            "see `event-monitor subscription list`",
            EXIT_USAGE,
        )
    for label, value in facts:
        print(f"{label + ':':<17}{value}")


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
            if errors.refused_for_sure(err, attempt):
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
