"""`harvester inspect` through the CLI runner: local files, one mocked fetch, errors."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from harvester.cli import app

PAGES = Path(__file__).resolve().parent / "fixtures" / "extract"
STABLE_FIELDS = ["url", "name", "description", "schema_type", "sector", "sector_evidence", "domain_areas",
                 "emails", "phones", "people", "postcode", "charity_numbers", "company_numbers", "social",
                 "links"]


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


def test_local_file_json_has_the_stable_shape(runner: CliRunner) -> None:
    result = runner.invoke(app, ["inspect", str(PAGES / "partners-logos.html"), "--url",
                                 "https://ccn.wales/partners/", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert list(data)[: len(STABLE_FIELDS)] == STABLE_FIELDS
    assert data["url"] == "https://ccn.wales/partners/"
    assert data["name"] == "Cardiff Creative Network"
    assert {"url": "https://www.bayanimation.co.uk/", "kind": "partner"} in data["links"]
    assert {"url": "https://www.s4c-like.cymru/", "kind": "client"} in data["links"]
    assert data["postcode"] is None and data["emails"] == []
    assert isinstance(data["sector_evidence"], list) and isinstance(data["domain_areas"], list)


def test_local_file_people_and_registration(runner: CliRunner) -> None:
    result = runner.invoke(app, ["inspect", str(PAGES / "dwyieithog-amdanom.html"), "--url",
                                 "https://tafdigidol.cymru/cy/amdanom-ni", "--json"])
    data = json.loads(result.stdout)
    assert data["people"][0] == {"name": "Megan Pritchard", "role": "Cyfarwyddwr / Director"}
    assert data["charity_numbers"] == ["1187654"] and data["postcode"] == "CF10 1GA"
    assert data["sector"] == "third_sector" and data["sector_evidence"]


def test_readable_summary(runner: CliRunner) -> None:
    result = runner.invoke(app, ["inspect", str(PAGES / "microdata-team.html")])
    assert result.exit_code == 0, result.output
    assert "Salford Sound Collective" in result.stdout
    assert "Helen McAllister — Chair <chair@salfordsound.org.uk>" in result.stdout
    assert "+441614960500" in result.stdout


def test_url_is_fetched_once_with_the_project_user_agent(runner: CliRunner, httpx_mock) -> None:
    httpx_mock.add_response(url="https://www.watershed-like.co.uk/about",
                            content="<html><head><title>About | Watershed-like</title></head><body>"
                                    "<p>Call 0117 496 0123</p></body></html>".encode("cp1252"),
                            headers={"Content-Type": "text/html; charset=windows-1252"})
    result = runner.invoke(app, ["inspect", "https://www.watershed-like.co.uk/about", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["name"] == "Watershed-like" and data["phones"] == ["+441174960123"]
    requests = httpx_mock.get_requests()
    assert len(requests) == 1 and requests[0].headers["User-Agent"].startswith("harvester/")


def test_fetch_failure_is_one_line_exit_1(runner: CliRunner, httpx_mock) -> None:
    httpx_mock.add_response(url="https://gone.example.org/", status_code=404)
    result = runner.invoke(app, ["inspect", "https://gone.example.org/"])
    assert result.exit_code == 1
    assert result.stderr.strip() == "Error: https://gone.example.org/: the server answered HTTP 404"
    httpx_mock.add_exception(httpx.ConnectError("refused"), url="https://down.example.org/")
    result = runner.invoke(app, ["inspect", "https://down.example.org/"])
    assert result.exit_code == 1 and result.stderr.count("\n") == 1


def test_body_is_cut_at_the_size_cap(runner: CliRunner, httpx_mock, monkeypatch) -> None:
    monkeypatch.setenv("HARVESTER_MAX_BYTES", "2000")
    page = b"<html><body><p>first@a.org.uk</p>" + b"<p>x</p>" * 1000 + b"<p>late@a.org.uk</p></body></html>"
    httpx_mock.add_response(url="https://big.example.org/", content=page)
    result = runner.invoke(app, ["inspect", "https://big.example.org/", "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["emails"] == ["first@a.org.uk"]


@pytest.mark.parametrize("args, message", [
    (["nope.html"], "Error: nope.html: no such file (give a saved HTML file or an http(s) URL)"),
    (["ftp://x.org/"], "Error: ftp://x.org/: not an http(s) URL or a file name"),
    ([str(PAGES / "cookie-home.html"), "--url", "www.x.org"],
     "Error: --url www.x.org: not an http(s) URL (e.g. https://www.example.org/about)"),
])
def test_bad_input_is_one_line_exit_2(runner: CliRunner, args: list[str], message: str) -> None:
    result = runner.invoke(app, ["inspect", *args])
    assert result.exit_code == 2
    assert result.stderr.strip() == message


def test_entry_point_runs_on_a_file() -> None:
    done = subprocess.run([sys.executable, "-c", "from harvester.cli import main; main()", "inspect",
                           str(PAGES / "obfuscated-contact.html"), "--url", "https://nqmakers.org.uk/contact",
                           "--json"], capture_output=True, text=True, timeout=60, check=False)
    assert done.returncode == 0, done.stderr
    assert "accounts@nqmakers.org.uk" in json.loads(done.stdout)["emails"]


def test_help_documents_the_command(runner: CliRunner) -> None:
    result = runner.invoke(app, ["inspect", "--help"])
    assert "FILE_OR_URL" in result.output and "--url" in result.output and "Example:" in result.output


def test_binary_file_is_refused_by_name(runner: CliRunner, tmp_path: Path) -> None:
    for name, data in (("logo.png", b"\x89PNG\r\n\x1a\n" + bytes(200)),
                       ("sample.warc.gz", b"\x1f\x8b\x08" + bytes(50)),
                       ("noise.html", b"<ht\x00\x01\x02ml" * 40)):
        path = tmp_path / name
        path.write_bytes(data)
        result = runner.invoke(app, ["inspect", str(path)])
        assert result.exit_code == 2, result.output
        assert result.stderr.startswith(f"Error: {path}: not a web page") and result.stderr.count("\n") == 1


def test_utf16_page_with_bom_is_not_taken_for_binary(runner: CliRunner, tmp_path: Path) -> None:
    path = tmp_path / "u16.html"
    path.write_bytes("<html><head><title>Bay Makers</title></head></html>".encode("utf-16"))
    result = runner.invoke(app, ["inspect", str(path), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["name"] == "Bay Makers"


def test_folder_is_named_as_a_folder(runner: CliRunner, tmp_path: Path) -> None:
    result = runner.invoke(app, ["inspect", str(tmp_path)])
    assert result.exit_code == 2
    assert result.stderr == f"Error: {tmp_path}: is a folder: name one saved HTML file in it\n"


def test_every_recorded_organisation_page_inspects(runner: CliRunner, shared_dir: Path) -> None:
    pages = sorted((shared_dir / "fixtures" / "orgsites").glob("*.html"))
    assert pages
    for page in pages:
        for extra in ([], ["--json"]):
            result = runner.invoke(app, ["inspect", str(page), *extra])
            assert result.exit_code == 0, (page.name, result.output)
        assert json.loads(result.stdout)["url"].startswith("file://")


def test_url_answering_with_an_image_is_refused(runner: CliRunner, httpx_mock) -> None:
    httpx_mock.add_response(url="https://www.example.org/logo.png", content=b"\x89PNG\r\n\x1a\n" + bytes(64),
                            headers={"Content-Type": "image/png"})
    result = runner.invoke(app, ["inspect", "https://www.example.org/logo.png"])
    assert result.exit_code == 2, result.output
    assert result.stderr == ("Error: https://www.example.org/logo.png: not a web page (content type "
                             "image/png): give the address of an HTML page\n")


MEETUP_PAGE = (Path(__file__).resolve().parent.parent / "harvester" / "demo" / "site" / "www.meetup.com"
               / "salford-seedley-game-jam" / "index.html")


def test_a_meetup_page_is_read_by_the_meetup_extractor(runner: CliRunner) -> None:
    url = "https://www.meetup.com/salford-seedley-game-jam/"
    result = runner.invoke(app, ["inspect", str(MEETUP_PAGE), "--url", url, "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["source"] == "meetup" and data["source_url"] == url
    [group] = data["groups"]
    assert group["urlname"] == "salford-seedley-game-jam" and group["name"] == "Salford Seedley Game Jam"
    assert [p["name"] for p in group["organisers"]] == ["Priya Chandran"]
    assert [s["url"] for s in group["sponsors"]] == ["https://www.ordsall-interactive.co.uk/"]
    assert data["events"] and data["events"][0]["title"] == "48-hour winter game jam"
    summary = runner.invoke(app, ["inspect", str(MEETUP_PAGE), "--url", url])
    assert summary.exit_code == 0, summary.output
    for shown in ("Meetup (next-data)", "Salford Seedley Game Jam", "Priya Chandran", "Ordsall Interactive",
                  "48-hour winter game jam"):
        assert shown in summary.stdout
    # Without a meetup.com address the same file is an ordinary web page.
    plain = json.loads(runner.invoke(app, ["inspect", str(MEETUP_PAGE), "--json"]).stdout)
    assert "source" not in plain and "url" in plain


def test_a_live_meetup_url_is_read_by_the_meetup_extractor(runner: CliRunner, httpx_mock) -> None:
    url = "https://www.meetup.com/salford-seedley-game-jam/"
    httpx_mock.add_response(url=url, content=MEETUP_PAGE.read_bytes(),
                            headers={"Content-Type": "text/html; charset=utf-8"})
    result = runner.invoke(app, ["inspect", url, "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["groups"][0]["member_count"] == 164


def test_every_recorded_meetup_page_inspects(runner: CliRunner, shared_dir: Path) -> None:
    pages = sorted((shared_dir / "fixtures" / "meetup").glob("*.html"))
    assert pages
    url = "https://www.meetup.com/x/events/"
    for page in pages:
        for extra in ([], ["--json"]):
            result = runner.invoke(app, ["inspect", str(page), "--url", url, *extra])
            assert result.exit_code == 0, (page.name, result.output)
        assert json.loads(result.stdout)["source"] == "meetup"
