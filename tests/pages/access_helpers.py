"""Helpers for the access tests: run the app as a logged-in OIDC user, collect all output.

`output_text(at)` walks every element and block of an AppTest run and turns the protobuf
messages into text: strings as they are, Arrow tables (dataframes, chart datasets) decoded
to CSV, chart specs as JSON. What a browser could receive, a test can search.
"""

from __future__ import annotations

import io
import re
from pathlib import Path

import pyarrow as pa
from google.protobuf.descriptor import FieldDescriptor
from google.protobuf.message import Message
from streamlit.testing.v1 import AppTest

from data_model.reading.access import Viewer
from data_model.storage.db import Database
from tests.conftest import ROOT
from ui.safe_text import shown

# Impossible values planted in every measure of every suppressed row of one school: no output
# may ever show one (scores are 0-100 with differences within about +-20).
CANARY = {
    "score_mean": 97.531,
    "score_sd": 31.4159,
    "pct_goal_reached": 2.71828,
    "diff_similar": -77.7,
    "diff_flanders": -66.6,
    "ci_low": -88.8,
    "ci_high": -55.5,
    "effect_size": -5.55,
    "trend_slope": -4.4444,
}
# As a page or file would show them: nl-BE comma or point, either minus sign, or raw.
CANARY_TEXT = re.compile(
    r"(?<![\d.])(?:97[.,]531?|31[.,]4159?|2[.,]71828|[-−]77[.,]7|[-−]66[.,]6|[-−]88[.,]8|"
    r"[-−]55[.,]5|[-−]5[.,]55|[-−]4[.,]4444?)(?!\d)"
)


def plant_canaries(path: Path) -> str:
    """Overwrite the measures of one school's suppressed rows with CANARY; return its id."""
    db = Database(path)
    try:
        with db.write() as con:
            school_id = con.execute(
                "SELECT school_id FROM school_result WHERE suppressed "
                "GROUP BY school_id ORDER BY count(*) DESC, school_id LIMIT 1"
            ).fetchone()[0]
            for column, value in CANARY.items():
                # Column names come from the CANARY constant above, never from input.
                con.execute(
                    "UPDATE school_result SET " + column + " = ? "
                    "WHERE suppressed AND school_id = ?",
                    [value, school_id],
                )
    finally:
        db.close()
    return school_id


def oidc_app(viewer_or_email: Viewer | str, school: str | None = None) -> AppTest:
    """AppTest of app.py as a user logged in through OIDC (st.user mocked by AppTest.user)."""
    email = viewer_or_email if isinstance(viewer_or_email, str) else viewer_or_email.email
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.user = {"is_logged_in": True, "email": email, "email_verified": True, "name": "Test"}
    if school:
        at.query_params["school"] = school
    return at


def _decode_bytes(data: bytes) -> str:
    try:
        table = pa.ipc.open_stream(io.BytesIO(data)).read_all()
        return table.to_pandas().to_csv(index=False)
    except Exception:
        return data.decode("utf-8", errors="ignore")


def _message_text(msg: Message, out: list[str]) -> None:
    for field, value in msg.ListFields():
        values = value if field.is_repeated else [value]
        if field.type == FieldDescriptor.TYPE_MESSAGE:
            if field.message_type.GetOptions().map_entry:
                for k, v in value.items():
                    out.append(str(k))
                    if isinstance(v, Message):
                        _message_text(v, out)
                    else:
                        out.append(str(v))
                continue
            for v in values:
                _message_text(v, out)
        elif field.type == FieldDescriptor.TYPE_STRING:
            out.extend(str(v) for v in values)
        elif field.type == FieldDescriptor.TYPE_BYTES:
            out.extend(_decode_bytes(v) for v in values)


def output_text(at: AppTest) -> str:
    """All text of all elements (main and sidebar), including tables and chart data."""
    out: list[str] = []

    def walk(node: object) -> None:
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            _message_text(proto, out)
        children = getattr(node, "children", None)
        if isinstance(children, dict):
            for child in children.values():
                walk(child)

    walk(at._tree)
    # Unescaped (ui.safe_text): a name must not slip past "name not in text" as `St\.\-Jozef`.
    return shown("\n".join(out))
