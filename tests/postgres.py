"""A throwaway PostgreSQL server for tests: initdb + pg_ctl into a temporary folder.

Debian's server binaries live in /usr/lib/postgresql/<version>/bin (`apt-get install
postgresql`; .ci/run installs it). The cluster runs as the unprivileged `postgres` user when
the tests run as root (PostgreSQL refuses to run as root), on a free loopback port, with
trust authentication on 127.0.0.1 only, and is stopped and deleted afterwards. Without the
binaries the tests that need it are skipped locally with the reason; with CI=true they fail.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest


def _bin_dir() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"))
    return Path(found[-1]).parent if found else None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def require_postgres() -> Path:
    """The server binaries, or skip (locally) / fail (CI) with the reason."""
    bin_dir = _bin_dir()
    if bin_dir is None:
        reason = (
            "PostgreSQL-server niet gevonden (/usr/lib/postgresql/*/bin): "
            "`apt-get install postgresql` om de schaaltests te draaien"
        )
        if os.environ.get("CI"):
            pytest.fail(reason)
        pytest.skip(reason)
    return bin_dir


@contextmanager
def postgres_server() -> Iterator[str]:
    """Start a fresh cluster; yield a SQLAlchemy URL for its database `schoolfoto`."""
    bin_dir = require_postgres()
    root = Path(tempfile.mkdtemp(prefix="schoolfoto-pg-"))
    data, sock = root / "data", root / "sock"
    sock.mkdir()
    port = _free_port()
    as_root = os.geteuid() == 0
    if as_root:  # initdb and postgres refuse to run as root
        shutil.chown(root, "postgres")
        shutil.chown(sock, "postgres")

    def run(*args: str) -> None:
        cmd = ["runuser", "-u", "postgres", "--", *args] if as_root else list(args)
        subprocess.run(cmd, check=True, capture_output=True, text=True, cwd="/")

    try:
        run(str(bin_dir / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres",
            "-E", "UTF8", "--no-instructions")  # fmt: skip
        run(str(bin_dir / "pg_ctl"), "-D", str(data), "-l", str(root / "server.log"), "-w",
            "-o", f"-h 127.0.0.1 -p {port} -k {sock} -c fsync=off", "start")  # fmt: skip
        for _ in range(50):
            try:
                run(str(bin_dir / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U",
                    "postgres", "schoolfoto")  # fmt: skip
                break
            except subprocess.CalledProcessError:
                time.sleep(0.2)
        yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/schoolfoto"
    finally:
        if (data / "postmaster.pid").exists():
            run(str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop")
        shutil.rmtree(root, ignore_errors=True)
