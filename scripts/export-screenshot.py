"""A picture of an export opened by a spreadsheet engine, for the README (`make screenshot`):
events from the emulator exported as the window does (table columns), converted by Gnumeric's
ssconvert to PDF, first page to PNG by pdftoppm."""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from gui.api.events import Events
from gui.api.models import TENANT_TOPIC
from gui.emulator import Emulator
from gui.eventlog.columns import TABLE_KEYS
from gui.eventlog.store import EventStore
from gui.eventlog.table_export import ShownRows, export_table, shown_columns


def main(out: str) -> None:
    with Emulator(history=60, seed=42) as em:
        raws = [e.raw for e in em.state.topics[TENANT_TOPIC].events]
    events, _ = Events.decode(b'{"events": [' + b",".join(raws) + b'], "offset": 61}')
    store = EventStore()
    store.append(events)
    work = Path(tempfile.mkdtemp(prefix="export-shot-"))
    csv = work / "events.csv"
    shown = ShownRows(shown_columns(TABLE_KEYS), dict(store.names), local_time=False)
    export_table(csv, store.json_arrays(store.rows())(), shown)
    # the payload column is wide: the picture shows the columns before it
    narrow = work / "narrow.csv"
    lines = csv.read_text().splitlines()
    narrow.write_text("\n".join(",".join(line.split(",")[:9]) for line in lines[:40]) + "\n")
    pdf = work / "events.pdf"
    subprocess.run(["ssconvert", str(narrow), str(pdf)], check=True, capture_output=True)
    subprocess.run(["pdftoppm", "-png", "-r", "110", "-f", "1", "-l", "1", "-singlefile", str(pdf), str(work / "page")], check=True)
    # the page's margins and footer off: the sheet itself (ImageMagick)
    subprocess.run(["convert", str(work / "page.png"), "-crop", "800x880+100+170", "+repage", "-trim", "-bordercolor", "white", "-border", "12", out], check=True)
    print(f"saved {out}")


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else "resources/screenshots/export-in-spreadsheet.png")
