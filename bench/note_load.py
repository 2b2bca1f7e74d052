"""Saving a note under load: 20 browsing sessions, an import running, one team saving notes.

    python -m bench.note_load [--sessions 20] [--processes 4] [--saves 13] [--minutes 11]
                              [--browser-niceness 0]

Everything runs on this machine and on the loopback address only: a fresh demo data folder
in a temporary directory, one `streamlit run` of this checkout on 127.0.0.1, the importer CLI
in a loop (results of a new school year, two versions taking turns, so every import really
writes and recomputes), and headless Chromium (Debian's /usr/bin/chromium) in several
processes: `--sessions` browsing sessions spread over `--processes` browser processes, each
opening Start, Schoolfoto, Trends, Vergelijken and Zorg as a director, an anker or a regional
team in turn, and one more session, a director on Datagesprek, that saves `--saves` notes one
after another. For each save it measures the time from the click on "Bewaren" to the answer
(the toast "Bewaard." or a "Niet bewaard" message); without an answer within 90 s it counts a
timeout and, like a user, clicks again once. At the end it counts the stored copies of every
note text (a duplicate is a note stored twice). Bounded: the run stops after --minutes.
Prints p50/p95/max of the answers, the timeouts and the duplicates. Not a test.
"""

from __future__ import annotations

import argparse
import contextlib
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.browser import ARGS, CHROMIUM, ROOT, RUNNING, free_port, wait_healthy

PAGES = ("Schoolfoto", "Trends", "Vergelijken", "Zorg en begeleiding", "Start")
ROLES = ("Directeur", "Anker", "Regioteam")
ANSWER_TIMEOUT_MS = 90_000
STAMP = "belasting"


def _login(page, url: str, role: str) -> None:  # type: ignore[no-untyped-def]
    page.goto(url)
    sidebar = page.get_by_test_id("stSidebar")
    sidebar.get_by_test_id("stSelectbox").first.wait_for(timeout=180_000)
    if role != "Directeur":
        sidebar.get_by_text(role, exact=True).first.click()
        page.wait_for_timeout(500)


def _settle(page) -> None:  # type: ignore[no-untyped-def]
    page.wait_for_timeout(200)
    page.wait_for_selector(RUNNING, state="detached", timeout=180_000)


def browse(
    url: str, n_sessions: int, offset: int, stop_at: float, done: mp.Event, niceness: int = 0
) -> None:
    """One browser process with `n_sessions` sessions that click through pages in turn."""
    from playwright.sync_api import sync_playwright

    if niceness:
        # Real users' browsers run on their own machines, not on the app's server: with
        # --browser-niceness they yield this machine's CPU to the server, as they would.
        os.nice(niceness)

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        pages = []
        for i in range(n_sessions):
            ctx = browser.new_context(viewport={"width": 1280, "height": 800}, locale="nl-BE")
            page = ctx.new_page()
            try:
                _login(page, url, ROLES[(offset + i) % len(ROLES)])
            except Exception:  # a session that did not start still leaves the others
                continue
            pages.append(page)
        step = 0
        while time.time() < stop_at and not done.is_set():
            for page in pages:
                target = PAGES[(step + pages.index(page)) % len(PAGES)]
                try:
                    page.get_by_test_id("stSidebarNav").get_by_text(target, exact=True).click(
                        timeout=30_000
                    )
                except Exception:
                    continue
            for page in pages:
                with contextlib.suppress(Exception):  # a slow page: the next round
                    _settle(page)
            step += 1
        browser.close()


def _answer(page, before: int) -> str | None:  # type: ignore[no-untyped-def]
    """'ok' when a new toast says Bewaard., 'refused' on a Niet bewaard, None on timeout."""
    deadline = time.time() + ANSWER_TIMEOUT_MS / 1000
    toasts = page.get_by_test_id("stToast").filter(has_text="Bewaard.")
    refused = page.get_by_text("Niet bewaard", exact=False)
    while time.time() < deadline:
        if toasts.count() > before:
            return "ok"
        if refused.count():
            return "refused"
        page.wait_for_timeout(50)
    return None


def write_notes(url: str, n_saves: int, out: mp.Queue, start: mp.Event) -> None:
    """A director on Datagesprek saves notes one after another and times each answer."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = browser.new_context(viewport={"width": 1280, "height": 900}, locale="nl-BE")
        page = ctx.new_page()
        _login(page, url, "Directeur")
        page.get_by_test_id("stSidebarNav").get_by_text("Datagesprek", exact=True).click()
        page.get_by_role("button", name="Bewaren").first.wait_for(timeout=180_000)
        _settle(page)
        start.wait()
        for i in range(n_saves):
            text = f"{STAMP} {i} {time.time():.0f}"
            # The add form (not a review form of last year's actions, which also is a form).
            form = (
                page.get_by_test_id("stForm")
                .filter(has=page.get_by_role("button", name="Bewaren", exact=True))
                .first
            )
            # Let the toast of the previous save go, so the next one is this save's.
            page.get_by_test_id("stToast").first.wait_for(state="detached", timeout=60_000)
            form.get_by_role("textbox").first.fill(text)
            clicked = time.perf_counter()
            form.get_by_role("button", name="Bewaren", exact=True).click()
            answer = _answer(page, 0)
            seconds = time.perf_counter() - clicked
            retried = False
            if answer is None:  # no answer: the user clicks once more, as in the field
                retried = True
                try:
                    form.get_by_role("button", name="Bewaren", exact=True).click(timeout=10_000)
                    answer = _answer(page, 0)
                except Exception:
                    answer = None
            out.put({"text": text, "answer": answer, "seconds": seconds, "retried": retried})
            print(f"save {i + 1}: {answer or 'no answer'} after {seconds:.1f} s", flush=True)
            with contextlib.suppress(Exception):  # the rerun after a save may be slow
                _settle(page)
            page.wait_for_timeout(1500)
        browser.close()


def _import_files(data: Path, work: Path) -> list[Path]:
    """Two versions of a results file for the school year after the demo's last."""
    import duckdb

    con = duckdb.connect(str(data / "current.duckdb"), read_only=True)
    rows = con.execute(
        """
        SELECT school_id, school_year, assessment_id, learning_area, domain, n_pupils,
               score_mean, score_sd, pct_goal_reached
        FROM school_results_aggregate
        WHERE school_year = (SELECT max(school_year) FROM school_results_aggregate)
          AND assessment_id = 'vt4' AND n_pupils >= 5
        """
    ).fetchall()
    con.close()
    header = ("instellingsnummer;schooljaar;toets;leergebied;domein;aantal_leerlingen;"
              "gemiddelde_school;gemiddelde_vergelijkbare_scholen;gemiddelde_vlaanderen;"
              "pct_doelen_behaald;standaardafwijking_school")  # fmt: skip
    files = []
    for version, shift in enumerate((0.4, -0.3)):
        lines = [header]
        for sid, _y, test, area, domain, n, mean, sd, pct in rows:
            lines.append(";".join(str(v) for v in (
                sid, "2025-2026", test, area or "", domain or "", n,
                f"{(mean or 0) + shift:.2f}".replace(".", ","), "", "",
                "" if pct is None else f"{pct:.1f}".replace(".", ","),
                "" if sd is None else f"{sd:.2f}".replace(".", ","),
            )))  # fmt: skip
        path = work / f"resultaten-{version}.csv"
        path.write_text("\n".join(lines), encoding="utf-8")
        files.append(path)
    return files


def _drive(url: str, args: argparse.Namespace, data: Path, files: list[Path], env: dict):
    """Browsers, the note writer and the import loop until the writer is done: (results,
    number of imports started, the importer process still running or None)."""
    stop_at = time.time() + args.minutes * 60
    done, start, out = mp.Event(), mp.Event(), mp.Queue()
    per = [args.sessions // args.processes + (i < args.sessions % args.processes)
           for i in range(args.processes)]  # fmt: skip
    browsers = [
        mp.Process(target=browse, args=(url, n, sum(per[:i]), stop_at, done, args.browser_niceness))
        for i, n in enumerate(per)
    ]
    writer = mp.Process(target=write_notes, args=(url, args.saves, out, start))
    for proc in [*browsers, writer]:
        proc.start()
    time.sleep(20)  # the browsing sessions log in first
    imports, results, importer = 0, [], None
    start.set()
    while writer.is_alive() and time.time() < stop_at:
        if importer is None or importer.poll() is not None:
            cmd = [sys.executable, "-m", "data_model.imports", str(files[imports % 2]),
                   "--kind", "results", "--data", str(data)]  # fmt: skip
            importer = subprocess.Popen(
                cmd, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
            )
            imports += 1
        while not out.empty():
            results.append(out.get())
        time.sleep(0.5)
    done.set()
    writer.join(timeout=30)
    while not out.empty():
        results.append(out.get())
    for proc in [*browsers, writer]:
        proc.join(timeout=60)
        if proc.is_alive():
            proc.terminate()
    return results, imports, importer


def _stop(proc: subprocess.Popen | None) -> None:
    if proc is not None and proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:  # a loaded machine: end it for sure
            proc.kill()
            proc.wait(timeout=30)


def _report(args: argparse.Namespace, results: list[dict], imports: int, stored: list) -> None:
    answered = sorted(r["seconds"] for r in results if r["answer"] and not r["retried"])
    copies = {r["text"]: sum(r["text"] in body for (body,) in stored) for r in results}
    print(f"{len(results)} saves with {args.sessions} browsing sessions in {args.processes} "
          f"browser processes and {imports} imports running")  # fmt: skip
    if answered:
        p95 = answered[min(len(answered) - 1, round(0.95 * (len(answered) - 1)))]
        print(f"answered at once: {len(answered)}; p50 {statistics.median(answered):.1f} s, "
              f"p95 {p95:.1f} s, max {answered[-1]:.1f} s")  # fmt: skip
    print(f"no answer within 90 s: {sum(1 for r in results if r['retried'])}; refused: "
          f"{sum(1 for r in results if r['answer'] == 'refused')}")  # fmt: skip
    print(f"stored twice or more: {sum(1 for n in copies.values() if n > 1)}; "
          f"not stored: {sum(1 for n in copies.values() if n == 0)}")  # fmt: skip


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sessions", type=int, default=20)
    parser.add_argument("--processes", type=int, default=4)
    parser.add_argument("--saves", type=int, default=13)
    parser.add_argument("--minutes", type=float, default=11)
    parser.add_argument(
        "--browser-niceness", type=int, default=0,
        help="nice value of the browsing sessions' browsers (0: they compete with the server)",
    )  # fmt: skip
    args = parser.parse_args(argv)
    sys.path.insert(0, str(ROOT))
    from data_model.sample import SampleSpec, generate
    from data_model.storage.db import Database

    with tempfile.TemporaryDirectory() as tmp:
        data = generate(Path(tmp) / "data", SampleSpec())
        files = _import_files(data, Path(tmp))
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        env = {**os.environ, "SCHOOLFOTO_DATA": str(data), "SCHOOLFOTO_AUTH": "demo"}
        server = subprocess.Popen(
            [sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"),
             "--server.headless", "true", "--server.address", "127.0.0.1",
             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        )  # fmt: skip
        importer = None
        try:
            wait_healthy(url)
            results, imports, importer = _drive(url, args, data, files, env)
            database = Database(data)
            stored = database.state.execute(
                "SELECT body FROM notes WHERE body LIKE ?", [f"%{STAMP}%"]
            ).fetchall()
            database.close()
        finally:
            _stop(importer)
            _stop(server)
    _report(args, results, imports, stored)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
