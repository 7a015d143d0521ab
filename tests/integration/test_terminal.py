"""What reaches a terminal carries no control characters from a server; JSON Lines into a pipe
stays byte-exact; odd start positions are refused with exit 2 and a message."""

from __future__ import annotations

from pathlib import Path

import pytest

from gui.terminal import neutralised
from tests.integration.hostile import SUB, hostile_server, run_cli, tail_argv


def test_control_characters_are_shown_not_sent() -> None:
    assert neutralised("tenant\x1b]0;pwned\x07 ok\r\n\tx") == "tenant\\x1b]0;pwned\\x07 ok\r\n\tx"
    assert neutralised("\x9b31m") == "\\x9b31m"  # the 8-bit CSI too


@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_tail_writes_no_control_characters_to_csv_and_jsonl_stays_exact(fmt: str, tmp_path: Path) -> None:
    with hostile_server() as (url, behaviour):
        behaviour.events = "control"
        result = run_cli(tmp_path, *tail_argv(url, "--from", "0", "--max-events", "1", "--format", fmt))
    assert result.returncode == 0, result.stderr
    assert "\x1b" not in result.stdout + result.stderr and "\x07" not in result.stdout
    if fmt == "csv":
        assert "ten\\x1b]0;pwned\\x07" in result.stdout  # shown, not sent
    else:
        assert '"ten\\u001b]0;pwned\\u0007"' in result.stdout  # JSON Lines: as the server sent it


@pytest.mark.parametrize(
    ("start", "said"),
    [
        ("9223372036854775808", "at most 9223372036854775807"),
        ("1" * 30, "at most 9223372036854775807"),
        ("0001-01-01T00:00:00+01:00", "not a start position"),
    ],
)
def test_start_positions_out_of_range_are_exit_2(start: str, said: str, tmp_path: Path) -> None:
    result = run_cli(
        tmp_path, "tail", "--url", "http://127.0.0.1:9", "--client-id", "c", "--subscription", SUB, "--from", start
    )
    assert result.returncode == 2, result.stderr
    assert said in result.stderr and "Traceback" not in result.stderr
