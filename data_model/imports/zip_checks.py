"""The zip package of an xlsx, xlsb or ods file, opened within limits: entries are streamed
and their decompressed bytes counted while reading (the sizes a zip declares are not trusted),
small XML parts are refused when they declare entities. Office never writes those.
"""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from xml.etree import ElementTree

from data_model.imports.read_limits import (
    CORRUPT,
    MAX_SMALL_XML_BYTES,
    MAX_UNZIPPED_BYTES,
    MAX_ZIP_ENTRIES,
    PASSWORD,
    ReadError,
    mb,
)

_CHUNK = 8 * 1024 * 1024


@contextmanager
def open_zip(data: bytes) -> Iterator[zipfile.ZipFile]:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            yield zf
    except (zipfile.BadZipFile, zipfile.LargeZipFile, EOFError, NotImplementedError) as exc:
        raise ReadError(CORRUPT) from exc


def stream_entry(zf: zipfile.ZipFile, name: str, limit: int) -> Iterator[bytes]:
    """Decompressed chunks of one entry; stops with a ReadError past `limit` bytes."""
    seen = 0
    try:
        with zf.open(name) as fh:
            while chunk := fh.read(_CHUNK):
                seen += len(chunk)
                if seen > limit:
                    raise ReadError(
                        f"Het bestand pakt uit tot meer dan {mb(limit)} ({name}). Dat is geen "
                        "gewone werkmap; sla ze opnieuw op vanuit Excel of splits ze."
                    )
                yield chunk
    except (zipfile.BadZipFile, EOFError, OSError, zipfile.LargeZipFile) as exc:
        raise ReadError(CORRUPT) from exc


def small_xml(zf: zipfile.ZipFile, name: str) -> ElementTree.Element | None:
    if name not in zf.namelist():
        return None
    data = b"".join(stream_entry(zf, name, MAX_SMALL_XML_BYTES))
    if b"<!ENTITY" in data or b"<!DOCTYPE" in data:  # Office never writes these
        raise ReadError(CORRUPT)
    try:
        return ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise ReadError(CORRUPT) from exc


def unzips_too_far(limit: int = MAX_UNZIPPED_BYTES) -> ReadError:
    return ReadError(
        f"Het bestand pakt uit tot meer dan {mb(limit)}. Dat is geen "
        "gewone werkmap; sla ze opnieuw op vanuit Excel of splits ze."
    )


def check_entries(zf: zipfile.ZipFile) -> None:
    """What the zip declares: the number of entries, their sizes, encryption."""
    infos = zf.infolist()
    if len(infos) > MAX_ZIP_ENTRIES:
        raise ReadError(CORRUPT)
    if sum(i.file_size for i in infos) > MAX_UNZIPPED_BYTES:  # declared; counted again later
        raise unzips_too_far()
    if any(i.flag_bits & 0x1 for i in infos):
        raise ReadError(PASSWORD)


def check_zip(data: bytes) -> None:
    """A package whose sheets are not XML (xlsb): every entry decompressed once and counted,
    so calamine never unpacks more than the limit."""
    with open_zip(data) as zf:
        check_entries(zf)
        total = 0
        for info in zf.infolist():
            for chunk in stream_entry(zf, info.filename, MAX_UNZIPPED_BYTES):
                total += len(chunk)
                if total > MAX_UNZIPPED_BYTES:
                    raise unzips_too_far()
