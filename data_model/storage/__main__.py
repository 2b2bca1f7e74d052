"""python -m data_model.storage: list snapshots, roll back, migrate an old database.

python -m data_model.storage snapshots [--data MAP]
python -m data_model.storage rollback [SNAPSHOT] [--data MAP]
python -m data_model.storage migrate OUD.duckdb --data MAP
python -m data_model.storage upgrade [--data MAP]    (after updating Schoolfoto)
"""

from __future__ import annotations

import argparse
import sys

from data_model.statistics.materialize import refresh_school_results
from data_model.storage.cli import add_data_argument, fail, open_data
from data_model.storage.db import Database, DataError
from data_model.storage.migrate import copy_state, migrate_single_file
from data_model.storage.state_store import StateError, StateStore


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m data_model.storage",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    sub = parser.add_subparsers(dest="command", required=True)
    snaps = sub.add_parser("snapshots", help="bewaarde snapshots tonen (nieuwste eerst)")
    add_data_argument(snaps)
    back = sub.add_parser("rollback", help="terug naar een vorige snapshot")
    back.add_argument("snapshot", nargs="?", help="bv. snapshot-000004 (standaard: de vorige)")
    add_data_argument(back)
    mig = sub.add_parser("migrate", help="een databank van vóór de snapshots omzetten")
    mig.add_argument("old", help="het oude .duckdb-bestand")
    add_data_argument(mig, required=True)
    up = sub.add_parser(
        "upgrade", help="gegevens van een oudere versie omzetten en alle resultaten herberekenen"
    )
    add_data_argument(up)
    copy = sub.add_parser(
        "copy-state", help="notities, gebruikers en logboeken naar een andere databank kopiëren"
    )
    copy.add_argument("url", help="doel, bv. postgresql+psycopg://gebruiker@server/schoolfoto")
    add_data_argument(copy)
    args = parser.parse_args(argv)

    if args.command == "migrate":
        try:
            summary = migrate_single_file(args.old, args.data)
        except DataError as exc:
            raise fail(str(exc)) from None
        print(summary)
        return 0
    if args.command == "copy-state":
        source = open_data(args.data)
        try:
            target = StateStore(args.url)
            print(copy_state(source.state, target))
            target.close()
        except (DataError, StateError) as exc:
            raise fail(str(exc)) from None
        finally:
            source.close()
        return 0
    db = open_data(args.data, check=args.command != "upgrade")
    try:
        if args.command == "upgrade":
            print(upgrade(db))
        elif args.command == "snapshots":
            for snap in db.snapshots():
                files = ", ".join(f["file_name"] for f in snap.built_from) or "-"
                mark = "*" if snap.current else " "
                print(f"{mark} {snap.snapshot_id}  {snap.published_at or '?':19}  "
                      f"{snap.size_mb:8.1f} MB  {files}")  # fmt: skip
            print("* = huidige snapshot")
        else:
            try:
                chosen = db.rollback(args.snapshot)
            except DataError as exc:
                raise fail(str(exc)) from None
            print(f"Huidige snapshot is nu {chosen}. Draaiende apps nemen ze binnen enkele "
                  "seconden over.")  # fmt: skip
    finally:
        db.close()
    return 0


def upgrade(db: Database) -> str:
    """Publish the current data again under this version's layout, every statistic
    recomputed (a snapshot of an older version lacks the columns newer methods store)."""
    try:
        with db.write() as con:  # write() brings the copy up to date (migrate)
            rows = refresh_school_results(con)
    except DataError as exc:
        raise fail(str(exc)) from None
    return f"Omgezet: {db.current_snapshot()} met {rows} herberekende resultaten."


if __name__ == "__main__":
    sys.exit(main())
