"""Gegevens (beheerder): import files with a validation report, history, templates, users.

Layout only: an import runs as a job (data_model.imports.jobs): the file is checked in a
separate process with memory and time limits and written in one transaction by a background
thread, while this page polls the job's progress in a fragment; every other user keeps
working. Templates come from data_model.imports.templates.
"""

import importlib.util

import pandas as pd
import streamlit as st

from data_model.exports.output_cells import csv_bytes
from data_model.imports import importer, jobs
from data_model.imports.formats import FORMATS, MAX_DATA_ROWS
from data_model.imports.mapping import Preview, missing_required, suggest
from data_model.imports.reader import ACCEPTED_TYPES, MAX_FILE_BYTES, upfront_refusal
from data_model.imports.report import ImportRejected
from data_model.imports.row_checks import FRACTIONS_QUESTION
from data_model.imports.sheet_parse import MAPPING_QUESTION
from data_model.imports.templates import build_template, template_columns, template_file_name
from data_model.imports.worker import preview_in_worker
from data_model.state import mappings
from data_model.state.mappings import MAX_SOURCE_CHARS
from data_model.texts.formatting import format_number
from ui.data import clear_caches, cursor, db_path, get_database, query
from ui.safe_text import md, md_frame, md_join, plain

REPORT_KEY = "gegevens_import_report"
JOB_KEY = "gegevens_import_job"
PREVIEW_KEY = "gegevens_preview"
NO_MAPPING = "Geen: de kolomnamen van het sjabloon"
NOT_IN_FILE = "(niet in het bestand)"
LIMITS = (
    f"Hoogstens {format_number(MAX_FILE_BYTES / (1024 * 1024), 0)} MB en "
    f"{format_number(MAX_DATA_ROWS, 0)} rijen."
)
viewer = st.session_state["viewer"]
if not viewer.is_admin:
    st.error("Deze pagina is alleen voor de beheerder.")
    st.stop()

st.title("Gegevens")
st.caption(
    "Lees elk schooljaar de nieuwe bestanden in. Een bestand wordt alleen ingelezen als het "
    "helemaal in orde is: anders verandert er niets en ziet u per rij wat u moet aanpassen."
)


def start(
    name: str,
    data: bytes,
    kind: str,
    fractions: bool | None = None,
    mapping: dict[str, str] | None = None,
) -> None:
    """Start an import job; the page polls it (job_progress)."""
    job = jobs.start_job(get_database(db_path()), viewer, name, data, kind,
                         fractions=fractions, mapping=mapping)  # fmt: skip
    st.session_state[JOB_KEY] = job.job_id
    st.session_state.pop(REPORT_KEY, None)


def file_preview(upload) -> Preview | None:
    """The uploaded file's header and first rows, read once per file in the worker."""
    cached = st.session_state.get(PREVIEW_KEY)
    if cached is None or cached[0] != upload.file_id:
        try:
            cached = (upload.file_id, preview_in_worker(upload.name, upload.getvalue()), "")
        except ImportRejected as exc:
            cached = (upload.file_id, None, exc.problems[0].as_text())
        st.session_state[PREVIEW_KEY] = cached
    if cached[2]:
        st.error(md(cached[2]), icon=":material/block:")
    return cached[1]


def mapping_editor(upload, kind: str) -> None:
    """Each column of the kind with a choice of the file's columns (the most similar one
    chosen), a preview of the rows as they will be read, saved under the source's name."""
    fmt = FORMATS[kind]
    shown_file = file_preview(upload)
    if shown_file is None:
        return
    with st.container(border=True):
        st.markdown("**Kolommen van dit bestand koppelen**")
        st.caption(
            f"Kies voor elke kolom van '{md(fmt.label)}' de kolom van het bestand (kopregel op rij "
            f"{md(shown_file.header_row)}). De koppeling wordt bewaard onder de naam van de bron: "
            "het bestand van volgend jaar leest u er in één klik mee in. Alles wordt daarna "
            "gecontroleerd zoals bij elk bestand."
        )
        guess = suggest(fmt, shown_file.headers)
        options = [NOT_IN_FILE, *shown_file.headers]
        chosen: dict[str, str] = {}
        left, right = st.columns(2)
        for i, column in enumerate(fmt.columns):
            where = left if i % 2 == 0 else right
            pick = where.selectbox(
                # The header is a constant of the import format, not data: written as it is,
                # so "gemiddelde_vlaanderen" is also the select box's accessible name.
                column.header + ("" if column.required else " (niet verplicht)"),
                options,
                index=options.index(guess[column.key]) if column.key in guess else 0,
                key=f"koppeling_{kind}_{column.key}",
                format_func=plain,  # option text is shown literally
            )
            if pick != NOT_IN_FILE:
                chosen[column.key] = pick
        rows = pd.DataFrame(shown_file.rows, columns=shown_file.headers).map(plain)
        picked = {h: fmt.column(k).header for k, h in chosen.items()}
        st.caption("Zo worden de eerste rijen gelezen:")
        st.dataframe(rows[list(picked)].rename(columns=picked), hide_index=True, width="stretch")
        missing = missing_required(fmt, chosen)
        if missing:
            st.caption("Nog niet gekoppeld (verplicht): " + md_join(missing))
        doubled = {h for h in chosen.values() if list(chosen.values()).count(h) > 1}
        if doubled:
            st.caption("Elke kolom van het bestand mag maar één keer gekozen worden: "
                       + md_join(sorted(doubled)))  # fmt: skip
        source = st.text_input(
            "Naam van de bron", placeholder="bv. OVSG-feedback", max_chars=MAX_SOURCE_CHARS
        )
        if st.button(
            "Koppeling bewaren en inlezen",
            disabled=bool(missing or doubled or not source.strip()),
        ):
            mappings.save_mapping(get_database(db_path()), viewer, source, kind, chosen)
            start(upload.name, upload.getvalue(), kind, mapping=chosen)
            st.rerun()


has_user_admin = importlib.util.find_spec("ui.user_admin") is not None
labels = ["Inlezen", "Geschiedenis", "Sjablonen"] + (["Gebruikers"] if has_user_admin else [])
tabs = dict(zip(labels, st.tabs(labels), strict=True))

with tabs["Inlezen"]:
    kind = st.selectbox(
        "Soort bestand",
        options=list(FORMATS),
        format_func=lambda k: FORMATS[k].label,
        help="Welke kolommen elk soort bestand heeft, staat onder Sjablonen.",
    )
    # No `type=`: the browser would block any other file with an English hint; the reader's
    # own Dutch message says which types are read (and the worker refuses the rest anyway).
    upload = st.file_uploader(
        f"Bestand ({ACCEPTED_TYPES})",
        help=LIMITS,
    )
    refusal = upfront_refusal(upload.name, upload.size) if upload is not None else None
    if refusal:
        st.error(md(refusal), icon=":material/block:")
    st.caption(
        "Titelrijen boven de kopregel, kolomnamen in hoofdletters, decimale komma's, "
        "%-tekens en schooljaren als 2024-25 of 2025 zijn geen probleem. Een bestand voor een "
        "schooljaar dat al in de databank zit, vervangt de gegevens van die scholen en dat "
        "schooljaar; hetzelfde bestand opnieuw inlezen verandert niets."
    )
    database = get_database(db_path())
    saved = [source for source, _ in mappings.mapping_sources(database, viewer, kind)]
    chosen = None
    if saved:
        chosen = st.selectbox(
            "Eigen kolomnamen van een bekende bron",
            [NO_MAPPING, *saved],
            help="Een bewaarde koppeling van kolommen: het bestand van dezelfde bron wordt "
            "ermee gelezen en daarna gecontroleerd zoals elk bestand.",
        )
    running = jobs.get_job(st.session_state.get(JOB_KEY))
    busy = running is not None and not running.done
    if st.button(
        "Controleren en inlezen",
        type="primary",
        disabled=upload is None or bool(refusal) or busy,
    ):
        mapping = (
            mappings.load_mapping(database, viewer, chosen)[1]
            if chosen and chosen != NO_MAPPING
            else None
        )
        start(upload.name, upload.getvalue(), kind, mapping=mapping)
        running = jobs.get_job(st.session_state.get(JOB_KEY))

    @st.fragment(run_every=1.0)
    def job_progress() -> None:
        """Polls the running job; when it is done, the whole page shows its outcome."""
        job = jobs.get_job(st.session_state.get(JOB_KEY))
        if job is None:
            return
        if not job.done:
            st.progress(min(job.fraction, 1.0), text=f"{md(job.file_name)}: {job.message}")
            st.caption("U kunt intussen verder werken; andere gebruikers merken hier niets van.")
            return
        st.session_state.pop(JOB_KEY, None)
        jobs.forget(job.job_id)
        if job.report is not None:
            st.session_state[REPORT_KEY] = job.report
        else:
            st.session_state["gegevens_import_failed"] = job.failed
        clear_caches()  # also after a refusal: the import history changed
        st.rerun(scope="app")

    if running is not None:
        job_progress()
    failed = st.session_state.pop("gegevens_import_failed", None)
    if failed:
        st.error(md(failed), icon=":material/error:")

    report = st.session_state.get(REPORT_KEY)
    if report is not None:
        if report.ok:
            st.success(md(report.summary), icon=":material/check_circle:")
            if report.ignored_columns:
                st.caption("Niet gebruikte kolommen: " + md_join(report.ignored_columns))
            for warning in report.warnings:
                st.warning(md(warning), icon=":material/hourglass_top:")
            for sheet_note in report.notes:  # names hidden sheets: data, so escaped
                st.caption(md(sheet_note))
            if not report.unchanged and not report.warnings:
                st.caption("Alle pagina's tonen de nieuwe gegevens met hun kleuren.")
        else:
            n = len(report.problems)
            what_now = (
                "Het bestand zelf is niet de oorzaak; hieronder staat wat er moet gebeuren."
                if report.server_problem
                else "Pas het bestand aan en lees het opnieuw in."
            )
            st.error(
                f"**{md(report.file_name)}** is niet ingelezen: "
                f"{n} {'probleem' if n == 1 else 'problemen'}. Er is niets gewijzigd in de "
                f"databank. {what_now}",
                icon=":material/block:",
            )
            asked = [p for p in report.problems if p.question == FRACTIONS_QUESTION]
            if asked and len(asked) == len(report.problems):
                columns = md_join([p.column for p in asked])
                answer = st.radio(
                    f"Wat betekenen de waarden tussen 0 en 1 in {columns}?",
                    ["Breuken: 0,5 = 50 %", "Percentages: 0,5 = 0,5 %"],
                    index=None,
                    key="gegevens_fractions",
                )
                again = st.button(
                    "Opnieuw inlezen met dit antwoord", disabled=answer is None or upload is None
                )
                if again and answer is not None and upload is not None:
                    start(upload.name, upload.getvalue(), kind,
                          fractions=answer.startswith("Breuken"))  # fmt: skip
                    st.rerun()
            if upload is not None and any(p.question == MAPPING_QUESTION for p in report.problems):
                mapping_editor(upload, kind)
            problems = report.problems_frame()
            if len(problems) <= 30:
                st.table(md_frame(problems.set_index("bestand")))  # wraps long messages
            else:
                st.dataframe(
                    problems,
                    hide_index=True,
                    width="stretch",
                    column_config={
                        "rij": st.column_config.NumberColumn("rij", format="%d", width="small"),
                        "probleem": st.column_config.TextColumn("probleem", width="large"),
                    },
                )
            st.download_button(
                "Controleverslag downloaden (CSV)",
                csv_bytes(problems),  # no cell runs as a formula
                file_name=f"controleverslag_{report.file_name}.csv",
                mime="text/csv",
            )

with tabs["Geschiedenis"]:
    history = query(importer.import_history, viewer)
    if history.empty:
        st.info("Er is nog niets ingelezen.")
    else:
        st.dataframe(
            history.drop(columns=["sha256"]),
            hide_index=True,
            width="stretch",
            column_config={
                "tijdstip": st.column_config.DatetimeColumn("tijdstip", format="DD/MM/YYYY HH:mm"),
                "soort": st.column_config.TextColumn("soort"),
                "toelichting": st.column_config.TextColumn("toelichting", width="large"),
            },
        )
        st.caption(
            "Elke poging staat hier, ook geweigerde bestanden. 'ongewijzigd' = het bestand "
            "stond al in de databank."
        )

with tabs["Sjablonen"]:
    st.markdown(
        "Elk sjabloon heeft een kopregel en één voorbeeldrij; het blad *Uitleg* beschrijft "
        "elke kolom. Kolomnamen mogen in hoofd- of kleine letters, met spaties of liggende "
        "streepjes."
    )
    con = cursor()
    for key, fmt in FORMATS.items():
        with st.container(border=True):
            left, right = st.columns([3, 1], vertical_alignment="center")
            left.markdown(f"**{fmt.label}**")
            right.download_button(
                "Sjabloon downloaden",
                # Built when clicked, not on every rerun of the page (five workbooks).
                lambda key=key: build_template(key, cursor()),
                file_name=template_file_name(key),
                mime="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key=f"template_{key}",
            )
            with st.expander("Kolommen"):
                _, _, explain = template_columns(fmt, con)
                st.dataframe(
                    pd.DataFrame(explain, columns=["kolom", "verplicht", "uitleg"]),
                    hide_index=True,
                    width="stretch",
                )
                for note in fmt.notes:
                    st.caption(note)

if has_user_admin:
    with tabs["Gebruikers"]:
        from ui.user_admin import render_user_admin

        render_user_admin(viewer)
