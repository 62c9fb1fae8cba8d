"""End to end against a hostile web: sites whose names, people, link texts, descriptions, JSON-LD
and Meetup state carry markup, template syntax, spreadsheet formulas, terminal escape sequences,
bidi overrides, path-like and SQL-like names, NUL and XML-illegal characters, very long strings,
emoji and javascript: URLs. The web is built as a WARC archive (the demo's builder), harvested
with `--replay`, and every output a researcher meets is then opened and checked: the terminal
commands, the review (terminal and web, its CSV and SVG), every export format, subject access."""

from __future__ import annotations

import csv
import io
import json
import re
import warnings
import xml.etree.ElementTree as ET
from pathlib import Path

import networkx as nx
import pytest
from bs4 import BeautifulSoup
from starlette.testclient import TestClient
from typer.testing import CliRunner

from harvester.cli import app
from harvester.db import make_engine
from harvester.demo.build_sample import build
from harvester.review.app import create_app

ESC = "\x1b[2J\x1b]0;pwned\x07\x1b]8;;http://evil.example\x07click\x1b]8;;\x07"
# Terminal hyperlinks (OSC 8), BEL- and ST-terminated, and a colour (CSI): each sequence goes whole.
# Were only their control characters dropped, the URL would be glued to the label and a link finder
# would read `https://www.osc-bel.co.ukLabel` or `https://www.osc-st.co.uk/label` from the text.
OSC8 = ("\x1b]8;;https://www.osc-bel.co.uk\x07Label\x1b]8;;\x07 \x1b[31m"
        "\x1b]8;id=1;https://www.osc-st.co.uk/\x1b\\label\x1b]8;;\x1b\\\x1b[0m")
XSS = '"><img src=x onerror=alert(1)><script>alert(2)</script>'
TPL = "{{7*7}}{% debug %}"
ILLEGAL = "a\x00b\x0bc\ufffe\x01\x7f\x85d"
SEED, SEED2, GROUP = "www.hostile-seed.co.uk", "www.hostile-two.co.uk", "hostile-group"
CANDIDATES = {  # host -> the name its JSON-LD, og:site_name, title and inbound link texts give
    "www.formula-co.co.uk": "=cmd|' /C calc'!A0",
    "www.plus-co.co.uk": '+HYPERLINK("http://evil")',
    "www.at-co.co.uk": "@SUM(A1) At Ltd",
    "www.tab-co.co.uk": "\t=1+2 Tab Ltd",
    "www.space-co.co.uk": "   =1+2 Space Ltd",
    "www.path-co.co.uk": "../../etc/passwd /\\: C:\\Windows\\x",
    "www.long-co.co.uk": "Long " + "A" * 3000,
    "www.sql-co.co.uk": "Robert'); DROP TABLE organisation;--",
    "www.illegal-co.co.uk": "Illegal " + ILLEGAL + " Ltd",
    "www.esc-co.co.uk": "Esc " + ESC + " Ltd",
    "www.bidi-co.co.uk": "Bidi \u202eevil Ltd 🎮",
    "www.xss-co.co.uk": XSS + TPL + " Ltd",
}
# What no output may hold: control characters (tab, newline, CR aside) and bidi controls.
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
C0_C1 = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")
FORMULA = re.compile(r"^[=+\-@\t\r]")
ACTIVE_URL = re.compile(r"^\s*(javascript|data|vbscript):", re.IGNORECASE)


def _e(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace('"', "&quot;")


def _page(title: str, body: str, head: str = "") -> str:
    return (f"<!DOCTYPE html><html lang='en-GB'><head><meta charset='utf-8'><title>{title}</title>{head}"
            f"</head><body>{body}</body></html>")


def _write_site(site: Path) -> None:
    def put(host: str, path: str, text: str) -> None:
        file = site / host / path
        file.parent.mkdir(parents=True, exist_ok=True)
        file.write_text(text, encoding="utf-8")

    seed_name = XSS + TPL + ESC + "\u202e Hostile Ltd 🎮"
    ld = {"@context": "https://schema.org", "@type": "Organization", "name": seed_name,
          "url": "javascript:alert('url')", "logo": "javascript:alert('logo')",
          "description": XSS + ESC + " =cmd|' /C calc'!A0 " + ILLEGAL, "email": "hello@hostile-seed.co.uk",
          "sameAs": ["javascript:alert('sameAs')", "data:text/html,<script>alert(1)</script>"]}
    head = (f"<script type='application/ld+json'>{json.dumps(ld)}</script>"
            f"<meta property='og:site_name' content='{_e(seed_name)}'>")
    nav = "<nav><a href='/team/'>Team</a> <a href='/partners/'>Partners</a></nav>"
    put(SEED, "index.html", _page(_e(seed_name), nav +
        f"<h1>{_e(seed_name)}</h1><p>A games studio making video games. {_e(TPL + ESC)}</p>"
        f"<a class='logo' href='javascript:alert(1)'><img alt='{_e(XSS)}' src='javascript:alert(3)'></a>"
        "<p class='social'><a href='javascript:alert(4)' rel='me'>X</a></p>"
        f"<p>Join us <a href='https://www.meetup.com/{GROUP}/'>on Meetup</a></p>", head))
    people = [("Mallory " + ESC + " Evil", "=cmd|' /C calc'!A0", "mallory"),
              ("+Plus Person", "-2+3 Lead", "plus"),
              ("@At Person", "\tTab Role", "at"), ("../../etc/passwd", "\u202eChief 🎮", "path"),
              (XSS[:30] + " Name", TPL + " Producer", "xss")]
    cards = "".join(f"<li itemscope itemtype='https://schema.org/Person'>"
                    f"<span itemprop='name'>{_e(n)}</span>, "
                    f"<span itemprop='jobTitle'>{_e(r)}</span> <a href='mailto:{m}@hostile-seed.co.uk'>"
                    f"{m}@hostile-seed.co.uk</a></li>" for n, r, m in people)
    put(SEED, "team/index.html", _page("Our team " + _e(ESC), nav + f"<h1>Our team</h1><ul>{cards}</ul>"))
    links = "".join(f"<li><a href='https://{h}/'>{_e(n)}</a> our partner</li>" for h, n in CANDIDATES.items())
    links += "<li><a href='javascript:alert(7)'>JS partner</a></li>"
    # character references to control characters: decoded by the parser, after the page's own drop
    links += "<li><a href='https://www.ref-co.co.uk/'>Ref&#27;[2J&#x1b;]0;t&#7; Ltd</a></li>"
    put("www.ref-co.co.uk", "index.html",
        _page("Ref&#27;[2J Ltd", "<h1>Ref&#x1B;[2J Ltd</h1><p>Games studio.</p>",
              "<meta property='og:site_name' content='Ref&#27;[31m Ltd'>"))
    put(SEED, "partners/index.html", _page("Partners", f"{nav}<h1>Partners and funders</h1><ul>{links}</ul>"))
    put(SEED2, "index.html", _page("Hostile Two", f"<h1>Hostile Two</h1><p>Games.</p><ul>{links}</ul>"))
    for host, name in CANDIDATES.items():
        ld = {"@context": "https://schema.org", "@type": "Organization", "name": name,
              "url": f"https://{host}/", "sameAs": ["javascript:alert(1)"]}
        put(host, "index.html", _page(_e(name), f"<h1>{_e(name)}</h1><p>A digital studio making games.</p>"
                                      f"<p><a href='https://{SEED}/'>{_e(name)}</a></p>",
                                      f"<script type='application/ld+json'>{json.dumps(ld)}</script>"
                                      f"<meta property='og:site_name' content='{_e(name)}'>"))
    group = {"__typename": "Group", "id": "1", "name": "Meetup " + XSS + ESC + TPL, "urlname": GROUP,
             "link": f"https://www.meetup.com/{GROUP}/", "city": "Bristol" + ESC, "country": "gb",
             "description": "=cmd|' /C calc'!A0 " + XSS + ESC + ILLEGAL + " " + OSC8,
             "organizer": {"__ref": "Member:1"},
             "sponsors": {"edges": [
                 {"node": {"name": "=Sponsor " + XSS, "url": "javascript:alert('sponsor')"}},
                 {"node": {"name": "+Sponsor " + ESC, "url": "https://www.sponsor.co.uk/"}}]},
             "socialNetworks": [{"service": "OTHER", "url": "javascript:alert('web')"}]}
    root_query = {f'groupByUrlname({{"urlname":"{GROUP}"}})': {"__ref": "Group:1"}}
    state = {"ROOT_QUERY": root_query, "Group:1": group,
             "Member:1": {"__typename": "Member", "id": "1", "name": "@Org " + ESC + XSS}}
    data = json.dumps({"props": {"pageProps": {"__APOLLO_STATE__": state}}}).replace("</", "<\\/")
    put("www.meetup.com", f"{GROUP}/index.html", _page(
        _e(group["name"]) + " | Meetup",
        f"<h1>{_e(group['name'])}</h1><p>Organized by <span id='organizer-name'>@Org {_e(ESC)}</span></p>"
        f"<script id='__NEXT_DATA__' type='application/json'>{data}</script>"))
    for host in (SEED, SEED2, "www.meetup.com", "www.ref-co.co.uk", *CANDIDATES):
        put(host, "robots.txt", "User-agent: *\nAllow: /\n")


SEEDS = f"""cluster: hostile
name: Hostile
postcode_areas: [BS]
organisations:
  - {{name: Hostile Seed, url: "https://{SEED}/", sector: industry, domains: [games]}}
  - {{name: Hostile Two, url: "https://{SEED2}/", sector: university, domains: [games]}}
meetup:
  groups: ["https://www.meetup.com/{GROUP}/"]
"""


@pytest.fixture(scope="module")
def harvested(tmp_path_factory) -> tuple[str, Path]:
    """The hostile web harvested by replay into a fresh database: (database URL, folder)."""
    root = tmp_path_factory.mktemp("hostile")
    _write_site(root / "site")
    build(root / "site", root / "web.warc.gz")
    (root / "hostile.yaml").write_text(SEEDS, encoding="utf-8")
    db = f"sqlite:///{root / 'h.db'}"
    runner = CliRunner()
    for args in (["init"], ["seed", str(root / "hostile.yaml")],
                 ["-v", "harvest", "--replay", str(root / "web.warc.gz")]):
        res = runner.invoke(app, ["--db", db, *args])
        assert res.exit_code == 0, res.output
        _clean_terminal(res.output, args)
    return db, root


def _clean_terminal(text: str, where: object) -> None:
    assert not CONTROL.search(text.replace("\r\n", "\n")), (where, CONTROL.search(text.replace("\r\n", "\n")))


def _run(db: str, *args: str, input: str | None = None, stderr_too: bool = False) -> str:
    res = CliRunner().invoke(app, ["--db", db, *args], input=input, env={"COLUMNS": "200"})
    assert res.exit_code == 0, (args, res.output)
    _clean_terminal(res.output, args)
    return res.output if stderr_too else res.stdout


def _csv_cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text.lstrip("\ufeff"))) for cell in row]


def test_the_harvest_found_the_hostile_names(harvested):
    db, _ = harvested
    orgs = json.loads(_run(db, "orgs", "--json"))
    names = {o["domain"]: o["name"] for o in orgs}
    assert names["formula-co.co.uk"] == "=cmd|' /C calc'!A0"  # stored as published, made safe on output
    assert names["esc-co.co.uk"] == "Esc click Ltd"  # escape sequences gone whole at the source
    assert names["ref-co.co.uk"] == "Ref Ltd"  # and so are those spelt with character references
    assert not [o["name"] for o in orgs if C0_C1.search(o["name"])]
    assert any("Meetup" in o["name"] for o in orgs)


def test_terminal_hyperlinks_leave_no_url_glued_to_their_label(harvested):
    """The Meetup description's OSC 8 hyperlinks and colours went whole: no organisation was
    discovered from a URL the text only carried inside an escape sequence."""
    db, _ = harvested
    orgs = json.loads(_run(db, "orgs", "--json"))
    assert any(o["domain"] == "sponsor.co.uk" for o in orgs)  # the group's own links were stored
    found = json.dumps(orgs).lower()
    assert "osc-bel" not in found and "osc-st" not in found and "evil.example" not in found


def test_terminal_outputs_carry_no_escape_sequences(harvested):
    db, _ = harvested
    orgs = json.loads(_run(db, "orgs", "--json"))
    for args in (["orgs"], ["runs"], ["propose", "--no-record"], ["propose", "--weak", "--no-record"],
                 ["subject-access", "--email", "mallory@hostile-seed.co.uk"],
                 ["subject-access", "--person", "../../etc/passwd"]):
        _run(db, *args)
    for org in orgs:
        _run(db, "explain", str(org["id"]))
    out = _run(db, "review", "--cluster", "hostile", input="s\n" * 12 + "q\n", stderr_too=True)
    assert "Esc click Ltd" in out  # the names are shown, their escape sequences gone whole


def test_exports_are_inert_and_well_formed(harvested, tmp_path):
    db, root = harvested
    for table in ("organisations", "contacts", "relations"):
        for extra in ([], ["--excel"]):
            stdout = _run(db, "export", table, *extra)  # CSV on the terminal by default
            cells = _csv_cells(stdout)
            assert cells and not [c for c in cells if FORMULA.match(c) or FORMULA.match(c.lstrip())]
        out = tmp_path / f"{table}.json"
        _run(db, "export", table, "-o", str(out))
        raw = out.read_text(encoding="utf-8")
        assert not CONTROL.search(raw)  # bidi controls are kept as data, spelt as \u escapes
        records = json.loads(raw)
        text = json.dumps(records, ensure_ascii=False)
        assert not C0_C1.search(text.replace("\n", ""))
        assert "javascript:" not in text and "data:text" not in text, table
    _run(db, "export", "recruitment", "-o", str(tmp_path / "recruitment.csv"))
    assert not [c for c in _csv_cells((tmp_path / "recruitment.csv").read_text(encoding="utf-8-sig"))
                if FORMULA.match(c)]
    for name in ("network.graphml", "network.gexf"):
        _run(db, "export", "graph", "-o", str(tmp_path / name))
        ET.parse(tmp_path / name)  # well-formed XML
    graph = nx.read_graphml(tmp_path / "network.graphml")
    assert nx.read_gexf(tmp_path / "network.gexf").number_of_nodes() == graph.number_of_nodes() > 10
    for name in ("network.svg", "network.png"):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            _run(db, "export", "figure", "-o", str(tmp_path / name))
        assert not [w for w in caught if "Glyph" in str(w.message)]  # the emoji font warning is not shown
    svg = ET.parse(tmp_path / "network.svg").getroot()
    _assert_inert_svg(svg)
    written = {p.name for p in tmp_path.iterdir()} | {p.name for p in root.iterdir()}
    assert not any("passwd" in n or n.startswith(".") for n in written)  # no file named by scraped text


def _assert_inert_svg(svg: ET.Element) -> None:
    for el in svg.iter():
        assert not el.tag.endswith(("}script", "}foreignObject")), el.tag
        for key, value in el.attrib.items():
            assert not key.split("}")[-1].startswith("on"), key
            if key.endswith("href"):
                assert value.startswith("#"), value


def test_web_review_escapes_every_scraped_text(harvested):
    db, _ = harvested
    engine = make_engine(db)
    orgs = json.loads(_run(db, "orgs", "--json"))
    with TestClient(create_app(engine)) as client:
        paths = ["/", "/queue", "/queue/hostile", "/organisations", "/network", "/network/hostile"]
        paths += [f"/org/{o['id']}" for o in orgs]
        xss = next(o["id"] for o in orgs if o["domain"] == "xss-co.co.uk")
        assert "{{7*7}}{% debug %}" in client.get(f"/org/{xss}").text  # template syntax shown, not run
        for path in paths:
            resp = client.get(path)
            assert resp.status_code == 200, path
            soup = BeautifulSoup(resp.text, "html.parser")
            assert not soup.find("img", src="x") and not soup.find(attrs={"onerror": True}), path
            assert "<script>alert" not in resp.text and "<img src=x" not in resp.text, path
            assert not CONTROL.search(resp.text.replace("\r\n", "\n")), path  # no bidi override either
            for script in soup.find_all("script"):
                assert script.get("src") or script.get("type") == "application/json", (path, str(script)[:80])
                if script.get("type") == "application/json":
                    json.loads(script.string or "null")
            for tag in soup.find_all(True):
                for key, value in tag.attrs.items():
                    assert not key.startswith("on"), (path, key)
                    if key in ("href", "src", "action", "formaction"):
                        assert not ACTIVE_URL.match(str(value)), (path, key, value)
        json_paths = ["/index.json", "/queue.json", "/organisations.json",
                      *[f"/org/{o['id']}.json" for o in orgs]]
        for path in json_paths:
            resp = client.get(path)
            assert resp.status_code == 200 and "javascript:" not in resp.text, path
            json.loads(resp.text)
        cells = _csv_cells(client.get("/organisations.csv").text)
        assert cells and not [c for c in cells if FORMULA.match(c)]
        for path in ("/network.svg", "/network/hostile.svg"):
            _assert_inert_svg(ET.fromstring(client.get(path).content))
    engine.dispose()
