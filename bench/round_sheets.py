"""How long the round's one download takes: the conversation sheets of 15 schools in a zip.

    python -m bench.round_sheets [--data DATA_FOLDER] [--schools 15] [--year 2024-2025]

Without --data it generates the demo in a temporary folder. It builds the zip as the Ronde
page does (`exports.round_sheets.build_round_sheets`, one request, one sheet after another) for
the first N schools of a regional team (an anker has ten in the demo), and prints the total
time, the time per sheet and the size. Target: under a minute for 15 schools on this machine.
Not a test: nothing is asserted.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from data_model.exports.round_sheets import build_round_sheets
from data_model.reading import queries
from data_model.reading.access import viewer_for_user_id
from data_model.storage.db import Database


def measure(data: Path, n_schools: int, year: str | None) -> dict[str, float]:
    db = Database(data)
    try:
        con = db.cursor()
        user_id = con.state.execute(
            "SELECT min(user_id) FROM users WHERE role = 'regioteam' AND active"
        ).fetchone()[0]
        viewer = viewer_for_user_id(con, user_id)
        assert viewer is not None
        school_ids = queries.schools_in_scope(con, viewer)["school_id"].tolist()[:n_schools]
        year = year or con.execute("SELECT max(school_year) FROM school_result").fetchone()[0]
        times: list[float] = []
        last = time.perf_counter()

        def progress(done: int, total: int, name: str) -> None:
            nonlocal last
            if done:
                now = time.perf_counter()
                times.append(now - last)
                last = now

        start = time.perf_counter()
        zipped = build_round_sheets(db.cursor(), viewer, school_ids, year, progress)
        total = time.perf_counter() - start
        return {
            "schools": len(school_ids),
            "total_s": total,
            "slowest_sheet_s": max(times),
            "mean_sheet_s": sum(times) / len(times),
            "zip_mb": len(zipped) / 1e6,
        }
    finally:
        db.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, help="a data folder (default: a fresh demo)")
    parser.add_argument("--schools", type=int, default=15)
    parser.add_argument("--year", default=None)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        data = args.data
        if data is None:
            from data_model.sample import SampleSpec, generate

            data = generate(Path(tmp) / "data", SampleSpec())
        result = measure(data, args.schools, args.year)
    print(
        f"{result['schools']:.0f} gespreksbladen in {result['total_s']:.1f} s "
        f"(gemiddeld {result['mean_sheet_s']:.2f} s, traagste {result['slowest_sheet_s']:.2f} s "
        f"per blad), zip {result['zip_mb']:.1f} MB"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
