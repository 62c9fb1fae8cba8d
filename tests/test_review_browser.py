"""End to end in a real headless Chromium: `harvester serve` as a subprocess on a loopback port
over a seeded database; accept the top candidate by clicking, see it accepted on its organisation
page, reject the next one with the keyboard (the script runs under the page's CSP); a sector
correction from a page opened before another reviewer's is refused.

Needs Debian's chromium (/usr/bin/chromium) and the playwright package (its browsers are never
downloaded: Chromium is launched from that path). Skips with the reason when either is missing.
The screenshot goes to tests/artifacts/review-accepted.png (git-ignored).
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest
from sqlmodel import Session, select
from test_review_app import seed_review_data

from harvester.models import Decision, Organisation, OrgStatus

pytestmark = [pytest.mark.browser, pytest.mark.integration, pytest.mark.slow]  # ~12 s: a server and a browser

CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
ARTIFACTS = Path(__file__).resolve().parent / "artifacts"
REVIEWER = "Browser Reviewer"
START_TIMEOUT_S = 20.0


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_until_responds(url: str, proc: subprocess.Popen, timeout: float = START_TIMEOUT_S) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"harvester serve exited early: {proc.stderr.read()}")  # type: ignore[union-attr]
        try:
            if httpx.get(url, timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"harvester serve did not answer at {url} within {timeout} s")


@pytest.fixture
def sync_playwright():
    if not CHROMIUM.exists():
        pytest.skip(f"{CHROMIUM} is missing: apt-get install chromium")
    try:
        from playwright.sync_api import sync_playwright as start
    except ImportError:
        pytest.skip("the playwright package is missing: pip install playwright")
    return start


@pytest.fixture
def server(engine, db_url, tmp_path):
    """`harvester serve` on a free loopback port over the seeded database; stopped afterwards."""
    with Session(engine) as s:
        ids = seed_review_data(s)
    engine.dispose()
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARVESTER_")}
    proc = subprocess.Popen([sys.executable, "-m", "harvester", "--db", db_url, "serve", "--port", str(port),
                             "--reviewer", REVIEWER], cwd=tmp_path, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_responds(f"{base}/", proc)
        yield base, ids
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    assert f"Review page: http://127.0.0.1:{port}/" in proc.stderr.read()


def test_accept_top_candidate_in_chromium(sync_playwright, server, engine):
    base, ids = server
    ARTIFACTS.mkdir(exist_ok=True)
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            blocked: list[str] = []
            page.on("console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text
                    else None)
            page.goto(f"{base}/queue/bristol")
            top = page.locator("article.candidate").first
            assert top.get_attribute("data-org") == str(ids["top"])
            top.get_by_role("button", name="Accept").click()
            page.wait_for_url(f"{base}/queue/bristol?done=*")
            assert "Saved: accept" in page.locator(".banner").inner_text()

            # The keyboard: the next candidate is selected first; "r" rejects it without a reload.
            nxt = page.locator("article.candidate").first
            assert nxt.get_attribute("data-org") == str(ids["script"])
            page.keyboard.press("r")
            page.wait_for_selector(f"#org-{ids['script']}.decided")
            assert "Rejected" in nxt.locator(".result").inner_text()

            page.goto(f"{base}/org/{ids['top']}")
            assert page.locator("#status").inner_text() == "Status: accepted"
            assert REVIEWER in page.locator("table.data").first.inner_text()
            page.screenshot(path=str(ARTIFACTS / "review-accepted.png"), full_page=True)
            assert blocked == []  # nothing the page needs was refused by its own CSP
        finally:
            browser.close()
    engine.dispose()
    with Session(engine) as s:
        assert s.get(Organisation, ids["top"]).status == OrgStatus.accepted
        assert s.get(Organisation, ids["script"]).status == OrgStatus.rejected
        rows = [(d.organisation_id, d.decision, d.reviewer)
                for d in s.exec(select(Decision).order_by(Decision.id))]
    assert rows == [(ids["top"], "accept", REVIEWER), (ids["script"], "reject", REVIEWER)]


def test_a_stale_sector_correction_is_refused_in_chromium(sync_playwright, server, engine):
    """The correction form carries the decision the page showed: a sector set elsewhere after the
    page was opened is not overwritten by the browser's submit (409 naming who set what, when)."""
    from harvester.decisions import record_decision
    from harvester.models import DecisionKind, Sector

    base, ids = server
    org_id = ids["top"]
    sector_field = 'input[name="field"][value="sector"]'
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.goto(f"{base}/org/{org_id}")
            with Session(engine) as s:  # another reviewer, meanwhile (`harvester decide`)
                theirs = record_decision(s, s.get(Organisation, org_id), DecisionKind.set_sector,
                                         value="government", reviewer="ben")
                s.commit()
                theirs_id = theirs.id
            engine.dispose()
            form = page.locator("form.correct").filter(has=page.locator(sector_field))
            form.locator('select[name="value"]').select_option("university")
            with page.expect_response(f"{base}/org/{org_id}/correct") as answer:
                form.get_by_role("button", name="Save sector").click()
            assert answer.value.status == 409
            text = page.locator("body").inner_text()
            assert "Decided meanwhile" in text and "set-sector government by ben" in text
            assert f"decision {theirs_id}" in text and "was not recorded" in text

            page.goto(f"{base}/org/{org_id}")  # looking again: now the correction is the reviewer's
            form = page.locator("form.correct").filter(has=page.locator(sector_field))
            form.locator('select[name="value"]').select_option("university")
            form.get_by_role("button", name="Save sector").click()
            page.wait_for_url(f"{base}/org/{org_id}?done=*")
        finally:
            browser.close()
    engine.dispose()
    with Session(engine) as s:
        assert s.get(Organisation, org_id).sector == Sector.university
        rows = [(d.decision, d.value, d.reviewer) for d in s.exec(select(Decision).order_by(Decision.id))]
    assert rows == [("set_sector", "government", "ben"), ("set_sector", "university", REVIEWER)]
