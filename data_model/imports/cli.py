"""The command-line importer (all or nothing):

    python -m data_model.imports FILE --kind results|pupils|schools|support|guidance --data MAP

The file is checked in a worker process with memory and time limits, as on the Gegevens page
(`--in-process` skips that, e.g. under a debugger). Exit code 0 = imported (or unchanged),
2 = refused (every problem is printed; the database is unchanged).
"""

from __future__ import annotations

import argparse
import datetime as dt
import sys
from pathlib import Path

from data_model.imports.formats import FORMATS
from data_model.imports.importer import import_file
from data_model.imports.priority import yield_cpu_to_users
from data_model.imports.report import count_text
from data_model.imports.worker import check_in_worker
from data_model.reading.access import system_viewer
from data_model.state.mappings import MappingNotFound, load_mapping
from data_model.storage.cli import add_data_argument, open_data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Lees een bestand in de Schoolfoto-databank in (alles of niets)."
    )
    parser.add_argument("file", type=Path, help="het bestand: .xlsx, .xls, .xlsb, .ods of .csv")
    kinds = "; ".join(f"{k} = {f.label}" for k, f in FORMATS.items())
    parser.add_argument(
        "--kind", required=True, choices=sorted(FORMATS), help="soort bestand: " + kinds
    )
    add_data_argument(parser)
    parser.add_argument(
        "--mapping", metavar="NAAM",
        help="een bewaarde koppeling van kolommen (Gegevens > Inlezen), bv. 'OVSG-feedback': "
        "voor een bestand met eigen kolomnamen",
    )  # fmt: skip
    parser.add_argument(
        "--breuken", choices=["ja", "nee"],
        help="alleen nodig als het importeren erom vraagt: zijn de waarden tussen 0 en 1 in een "
        "kolom met te weinig waarden breuken (ja: 0,5 = 50 %%) of percentages (nee)?",
    )  # fmt: skip
    parser.add_argument(
        "--in-process", action="store_true", help="controleren zonder apart werkproces"
    )
    args = parser.parse_args(argv)
    yield_cpu_to_users()  # a command-line import on the app's server must not slow its users
    if not args.file.exists():
        print(f"Bestand niet gevonden: {args.file}", file=sys.stderr)
        return 2
    started = dt.datetime.now()

    def progress(frac: float, message: str) -> None:
        print(f"[{frac:4.0%}] {message}", file=sys.stderr, flush=True)

    db = open_data(args.data)
    viewer = system_viewer(db.cursor())
    mapping = None
    if args.mapping:
        try:
            kind, mapping = load_mapping(db, viewer, args.mapping)
        except MappingNotFound as exc:
            db.close()
            print(str(exc), file=sys.stderr)
            return 2
        if kind != args.kind:
            db.close()
            print(f"De koppeling '{args.mapping}' hoort bij '{FORMATS[kind].label}', niet bij "
                  f"'{FORMATS[args.kind].label}'.", file=sys.stderr)  # fmt: skip
            return 2
    try:
        report = import_file(
            db, viewer, args.file.name, args.file.read_bytes(), args.kind,
            progress, checker=None if args.in_process else check_in_worker,
            fractions=None if args.breuken is None else args.breuken == "ja", mapping=mapping,
        )  # fmt: skip
    finally:
        db.close()
    for note in report.notes:
        print(note)
    if report.ok:
        print(report.summary)
        for warning in report.warnings:
            print("Let op: " + warning)
        if report.ignored_columns:
            print("Genegeerde kolommen: " + ", ".join(report.ignored_columns))
        print(f"Klaar in {(dt.datetime.now() - started).total_seconds():.1f} s.")
        return 0
    print(f"{args.file.name} is NIET ingelezen: {count_text(len(report.problems))}. De databank "
          "is niet gewijzigd.")  # fmt: skip
    for problem in report.problems:
        print("- " + problem.as_text())
    return 2
