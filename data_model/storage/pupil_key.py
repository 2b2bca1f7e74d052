"""The pupil key: a school's own pupil number, stored only as a keyed hash.

A school writes its own pupil number (as in its administration) in every pupil file. The
snapshot never holds that number: it holds `pupil_key` = HMAC-SHA256(secret, school id +
number), cut to 80 bits, so the same pupil in the same school gets the same key every year
(KOALA, grade 4, grade 6 can be set side by side) and a pupil who changes school is a new
pupil there. A pupil number has little entropy (a few thousand values per school): a plain
hash could be reversed by trying them all, so the hash is keyed with a secret that is kept
**outside the snapshot**, which anyone with the DuckDB CLI may read.

Where the secret lives: the file `pupil-key.secret` in the data folder, beside `snapshots/`
and `state.sqlite` (or the file `SCHOOLFOTO_PUPIL_KEY` names, e.g. on a volume only the
importing machine mounts). It is generated on the first pupil import (32 random bytes, mode
0600) and never changes. Back it up with the state store, not with the snapshots. If it is
lost, a new one is generated: what is stored stays valid, but pupils of later files get new
keys, so they are no longer linked to their earlier results (no learning gain across the
loss) and their codes on the pupil list change.
"""

from __future__ import annotations

import hashlib
import hmac
import os
import secrets
from pathlib import Path

from data_model.settings import setting
from data_model.storage.connection import Sql

KEY_FILE = "pupil-key.secret"
KEY_ENV = "SCHOOLFOTO_PUPIL_KEY"
KEY_HEX_CHARS = 20  # 80 bits: no two pupils of Flanders share a key by chance
_CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # no 0/O, 1/I: read aloud in a meeting


def key_path(folder: Path) -> Path:
    configured = setting(KEY_ENV)
    return Path(configured) if configured else Path(folder) / KEY_FILE


def load_secret(folder: Path, create: bool = True, seed: bytes | None = None) -> bytes | None:
    """The data folder's secret; made once when `create` (from `seed` for synthetic data,
    whose key protects nothing and must make the same sample every time), else None."""
    path = key_path(folder)
    if path.exists():
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    if not create:
        return None
    secret = hashlib.sha256(seed).digest() if seed is not None else secrets.token_bytes(32)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as out:
        out.write(secret.hex() + "\n")
    return secret


def folder_of(con: Sql) -> Path:
    """The data folder of a snapshot cursor: every snapshot (published or being built) is a
    file in `<folder>/snapshots/`."""
    path = con.execute(
        "SELECT path FROM duckdb_databases() WHERE database_name = current_database()"
    ).fetchall()[0][0]
    return Path(path).resolve().parent.parent


def normalize_number(number: object) -> str:
    """The pupil number as a school's files spell it differently: spaces, case, and the
    leading zeros Excel drops from a number cell (00123 = 123) do not make another pupil."""
    text = "".join(str(number).split()).upper()
    if text.endswith(".0") and text[:-2].isdigit():  # a number cell read as a float
        text = text[:-2]
    return text.lstrip("0") or "0" if text.isdigit() else text


def pupil_key(secret: bytes, school_id: str, number: object) -> str:
    message = f"{school_id}|{normalize_number(number)}".encode()
    return hmac.new(secret, message, hashlib.sha256).hexdigest()[:KEY_HEX_CHARS]


def pupil_row_id(key: str, school_year: str) -> str:
    """`pupils.pupil_id`: one row per pupil and school year (the key plus the year)."""
    return f"{key}-{school_year[:4]}"


def pupil_code(key: str) -> str:
    """The pseudonymous code a director sees for a pupil (LL-7KQ2MX): the same every year,
    because it is derived from the key; it says nothing without the school's own file."""
    value = int(key[:12], 16)
    chars = []
    for _ in range(6):
        value, digit = divmod(value, len(_CODE_ALPHABET))
        chars.append(_CODE_ALPHABET[digit])
    return "LL-" + "".join(chars)
