"""Small Streamlit building blocks shared by pages: school picker, legend, badges, tiles."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal

import pandas as pd
import streamlit as st

from data_model.exports.output_cells import failure_pdf, failure_xlsx
from data_model.reading import access, queries
from data_model.rules import Rules, load_rules
from data_model.state import audit
from data_model.texts.formatting import format_number
from data_model.texts.legend import (
    colour_meaning,
    comparison_label,
    judged_number,
    judged_span,
    status_meanings,
)
from ui.data import db_path, get_database, query, withheld_ids
from ui.errors import safe_build
from ui.safe_text import md
from ui.sharing import NOT_SHARED

SCHOOL_KEY = "school_id"
_AUDIT_VIEW_KEY = "_audit_last_view"


def status_badge(status: str, rules: Rules | None = None) -> str:
    """Markdown: symbol + label on the status colour of rules.toml (the grid's own colours).

    Streamlit's `:color[...]{foreground=... background=...}` takes any CSS colour, so legend,
    tiles and badges use exactly the palette of the grid, the Excel photo and the PDF, without
    HTML. Never red/green.
    """
    rules = rules or load_rules()
    style = rules.statuses[status]
    return (
        f":color[{style.symbol} {style.label}]"
        f'{{foreground="{style.text_colour}" background="{style.colour}"}}'
    )


def area_status_lines(statuses: pd.DataFrame, rules: Rules | None = None) -> list[str]:
    """Markdown bullets 'learning area: badge · trend' (rows as in briefing.area_statuses)."""
    rules = rules or load_rules()
    lines = []
    # pandas-stubs types a named tuple's fields as any scalar; the query fixes the columns.
    row: Any
    for row in statuses.itertuples(index=False):
        label = md(row.learning_area) if isinstance(row.learning_area, str) else "Totaal"
        if row.suppressed:
            lines.append(f"- {label}: te weinig leerlingen")
        else:
            # The judged difference beside the badge, as in the grid and the tiles.
            number = judged_number(row._asdict()) if hasattr(row, "status_estimate") else "–"
            judged = "" if number == "–" else f" {number}"
            lines.append(
                f"- {label}: {status_badge(row.status, rules)}{judged} · "
                f"trend: {rules.trend_labels[row.trend].lower()}"
            )
    return lines


def trend_text(trend: str, rules: Rules | None = None) -> str:
    rules = rules or load_rules()
    return f"{rules.trend_symbols[trend]} {rules.trend_labels[trend]}"


def pick_school(viewer: access.Viewer) -> str | None:
    """The school the page is about: from the URL (?school=), the session, or a picker.

    A school id in the URL that is outside the viewer's scope is refused, not silently
    replaced, so that a director who edits the URL sees why nothing is shown.
    """
    schools = query(queries.schools_in_scope, viewer)
    if schools.empty:
        st.info("Er zijn (nog) geen scholen aan uw account gekoppeld.")
        return None
    ids = schools["school_id"].tolist()
    requested = st.query_params.get("school")
    if requested and requested not in ids:
        st.error(
            "U hebt geen toegang tot de school in deze link. Kies hieronder een school uit uw "
            "eigen lijst."
        )
        log_audit(viewer, audit.REFUSED, school_id=requested, detail=current_page_title())
        del st.query_params["school"]
        requested = None
    current = requested or st.session_state.get(SCHOOL_KEY)
    if current is None or current not in ids:
        current = ids[0]
    labels = {r.school_id: f"{r.name} ({r.school_id})" for r in schools.itertuples(index=False)}
    if len(ids) > 1:
        current = st.sidebar.selectbox(
            "School", options=ids, index=ids.index(current), format_func=labels.__getitem__
        )
    st.session_state[SCHOOL_KEY] = current
    st.query_params["school"] = current
    # Audit: once per page view per school, not on every rerun of the same page.
    seen = (current_page_title(), current)
    if st.session_state.get(_AUDIT_VIEW_KEY) != seen:
        st.session_state[_AUDIT_VIEW_KEY] = seen
        log_audit(viewer, audit.VIEW, school_id=current, detail=seen[0])
    return current


# app.py stores the title of the page st.navigation is about to run (public API: the
# StreamlitPage it returns), so components need no private script-run context.
CURRENT_PAGE_KEY = "_current_page_title"


def current_page_title() -> str:
    """Title of the page being run (as registered in ui.navigation), for the audit log."""
    return str(st.session_state.get(CURRENT_PAGE_KEY) or "pagina")


def log_audit(viewer: access.Viewer | None, action: str, **kwargs: str | None) -> None:
    """Write one audit line; a failing audit write is reported in the server log but never
    breaks the page (e.g. a read-only snapshot replica)."""
    try:
        audit.log_event(get_database(db_path()), viewer, action, **kwargs)
    except Exception:
        logging.getLogger(__name__).warning("audit log write failed", exc_info=True)


def logged_export(
    viewer: access.Viewer,
    school_id: str | None,
    what: str,
    build: Callable[[], bytes],
    failure: Callable[[str], bytes] | None = None,
) -> Callable[[], bytes]:
    """Deferred `data=` of a download button that writes the audit line when the file is made:
    `st.download_button(..., data=logged_export(viewer, sid, "Excel-schoolfoto", lambda: ...),
    on_click="ignore")` logs exactly the downloads, without a rerun. If the file cannot be
    made, `failure(reference)` is downloaded instead: a file of the same kind that says so in
    Dutch (Streamlit itself would only show an English notice), details in the server log."""

    # The database handle is taken now, in the script run: `make` runs later, when the
    # browser asks for the file, possibly outside the script thread.
    db = get_database(db_path())

    def make() -> bytes:
        try:
            audit.log_event(db, viewer, audit.EXPORT, school_id=school_id, detail=what)
        except Exception:
            logging.getLogger(__name__).warning("audit log write failed", exc_info=True)
        return safe_build(build, failure, f"export {what}")

    return make


# What a download button needs to know about the kind of file it offers.
_FILE_KINDS = {
    "pdf": ("application/pdf", ":material/picture_as_pdf:", failure_pdf),
    "xlsx": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        ":material/table_view:",
        failure_xlsx,
    ),
}


def export_button(
    label: str,
    viewer: access.Viewer,
    school_id: str | None,
    what: str,
    build: Callable[[], bytes],
    file_name: str,
    **kwargs: Any,
) -> None:
    """A download button for a file built on click (`build`), logged in the audit as `what`;
    the file's kind (its mime type, icon and Dutch failure file) follows from `file_name`."""
    mime, icon, failure = _FILE_KINDS[file_name.rsplit(".", 1)[-1]]
    st.download_button(
        label,
        data=logged_export(viewer, school_id, what, build, failure=failure),
        file_name=file_name,
        mime=mime,
        icon=icon,
        on_click="ignore",
        **kwargs,
    )


def page_school(viewer: access.Viewer) -> tuple[str, pd.Series]:
    """The school a page is about (see pick_school) and its row; stops the page if none."""
    school_id = pick_school(viewer)
    if school_id is None:
        st.stop()
    school = query(queries.schools_in_scope, viewer).set_index("school_id").loc[school_id]
    return school_id, school


def school_page(page: str) -> tuple[access.Viewer, str, pd.Series]:
    """The start of a page about one school: the viewer, the school (see page_school; stops
    the page if there is none) and its row, under the title "Page · school name"."""
    viewer = st.session_state["viewer"]
    school_id, school = page_school(viewer)
    st.title(f"{page} · {md(school['name'])}")
    return viewer, school_id, school


def pick_assessment(viewer: access.Viewer, school_id: str) -> tuple[str, pd.Series]:
    """The assessment picker ("Toets") of a school page; stops the page without results."""
    assessments = query(queries.assessments_for_school, viewer, school_id)
    if school_id in withheld_ids(viewer):
        st.caption(NOT_SHARED)
    if assessments.empty:
        st.info("Voor deze school zijn nog geen toetsresultaten ingelezen.")
        st.stop()
    names = dict(zip(assessments["assessment_id"], assessments["name"], strict=True))
    first = next(iter(names))
    assessment_id = (
        st.segmented_control(
            "Toets", options=list(names), format_func=lambda a: md(names[a]), default=first
        )
        or first
    )
    return assessment_id, assessments.set_index("assessment_id").loc[assessment_id]


def render_legend(rules: Rules | None = None, with_meaning: bool = True) -> None:
    """The six colour codes with symbol and meaning, and what a colour means.

    with_meaning=False: the page states that sentence itself (Uitleg, in a box above)."""
    rules = rules or load_rules()
    rows = [f"- {status_badge(s, rules)}: {text}" for s, text in status_meanings(rules).items()]
    st.markdown("\n".join(rows))
    if with_meaning:
        st.caption(colour_meaning(rules))


def render_area_tiles(results: pd.DataFrame, rules: Rules | None = None) -> None:
    """One tile per learning area for the latest year: the judged difference, its status,
    the interval, this year's own score (secondary) and the trend.

    The big number is the one the colour judged (`status_estimate`), so badge and number
    never tell two stories. Tiles have a fixed width in a wrapping row, so at 800 px they wrap
    onto a second line instead of squeezing "Nederlands" into "Neder…".
    """
    rules = rules or load_rules()
    latest = results["school_year"].max()
    areas = results[
        (results["school_year"] == latest)
        & results["domain"].isna()
        & results["learning_area"].notna()
    ]
    if areas.empty:
        st.info(f"Geen resultaten per leergebied in {latest}.")
        return
    group = comparison_label(rules)
    with st.container(horizontal=True, gap="small"):
        for row in areas.to_dict("records"):
            with st.container(border=True, width=215):
                if row["suppressed"]:
                    st.metric(
                        md(row["learning_area"]), "–", help="Te weinig leerlingen om te tonen."
                    )
                    st.caption(f"Minder dan {rules.min_group_size} leerlingen")
                    continue
                st.metric(
                    md(row["learning_area"]),
                    judged_number(row),
                    help=f"Verschil met {group} in punten, over de laatste schooljaren samen: "
                    "het verschil dat de kleur beoordeelt. Klik op een cel in het raster voor "
                    "de volledige uitleg.",
                )
                st.markdown(status_badge(row["status"], rules))
                this_year = f"score {format_number(row['score_mean'])}, {int(row['n_pupils'])} lln."
                st.caption(
                    f"{judged_span(row, rules)}  \nDit jaar: {this_year}  \n"
                    f"Trend: {trend_text(row['trend'], rules)}"
                )


def name_ordered_table(
    data: pd.DataFrame, *, key: str, row_select: bool = False, **kwargs: Any
) -> object:
    """A table of schools in name order that the reader cannot re-sort (no league tables).

    Schoolfoto never ranks schools, but any `st.dataframe` column can be sorted
    with a click on its header, which turns a list of "Lager" counts into a ranking of the
    region's weakest schools. Streamlit switches column sorting off when column selection is
    on, so these tables allow selecting a column (which does nothing) instead of sorting it.
    With `row_select`, a row click also selects the row (returned in the event).
    """
    modes: list[Literal["single-row", "single-column"]] = (
        ["single-row", "single-column"] if row_select else ["single-column"]
    )
    return st.dataframe(
        data, key=key, on_select="rerun", selection_mode=modes, hide_index=True, **kwargs
    )


def chart_columns(spec: int | list[int], key: str, **kwargs: Any) -> list:
    """Columns for charts (or text panels) side by side that stack below 1100 px (CSS in
    ui.style).

    Next to the sidebar at 800 or 1024 px a half-width chart is 200-300 px wide: too narrow
    for its title, school years and legend; a text panel of that width has a word a line
    (Datagesprek's actions of last year, Voorbereiding's results). Pickers and tiles keep
    Streamlit's own columns.
    """
    with st.container(key=f"naast-elkaar-{key}"):
        return st.columns(spec, **kwargs)
