"""`export all` / `import`: exact round trip of every table, refusal of a non-empty database,
checksum and manifest checks, all-or-nothing import."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlmodel import Session, select
from test_export import populate
from typer.testing import CliRunner

from harvester.archive_io import MANIFEST, decode, encode, export_all, import_all, row_counts, tables
from harvester.cli import app
from harvester.db import init_db, make_engine
from harvester.errors import BadInput
from harvester.models import (
    Contact,
    ContactUse,
    Decision,
    DecisionKind,
    HarvestRun,
    MeetupEvent,
    Organisation,
    Page,
    PageState,
    RunStatus,
)

T0 = datetime(2026, 3, 1, 9, 30, 15, 123456, tzinfo=UTC)


def fill(session: Session) -> None:
    """The export test data plus the awkward cases: self-references to later rows, NULL vs '',
    backslashes, newlines, JSON, booleans, floats, microseconds."""
    orgs = populate(session)
    run = HarvestRun(started_at=T0, finished_at=T0, status=RunStatus.completed,
                     arguments={"cluster": "bristol", "max_pages": 30}, counts={"fetched": 12, "errors": 0})
    session.add(run)
    session.flush()
    w = orgs["watershed"]
    # A seed row pointing at a LATER organisation id: the import must defer it.
    w.seed_id = orgs["bbc"].id
    w.description = "Line one\nline two, \"quoted\"\r\nend"
    w.notes = ""  # empty, not NULL
    w.is_cic = True
    w.sector_confidence = 0.1 + 0.2
    w.sector_evidence = [{"url": "https://www.watershed.co.uk/about", "words": ["charity", "café"]}]
    w.first_run_id = run.id
    session.add(w)
    session.add(Page(url="https://www.watershed.co.uk/about", host="www.watershed.co.uk",
                     site="watershed.co.uk", organisation_id=w.id, state=PageState.fetched, status_code=200,
                     etag='W/"abc\\def"', fetched_at=T0, run_id=run.id, error=None, content_hash="\\N"))
    session.add(MeetupEvent(event_key="bristol-js-301", group_id=orgs["meetup"].id,
                            title="=cmd|' /C calc'!A0", start=T0,
                            host_organisation_ids=[orgs["aardman"].id], run_id=run.id))
    session.flush()
    first = Decision(organisation_id=orgs["aardman"].id, decision=DecisionKind.defer, reviewer="ana",
                     tags=["wave-1"], created_at=T0)
    session.add(first)
    session.flush()
    session.add(Decision(organisation_id=orgs["aardman"].id, decision=DecisionKind.accept, note="after call",
                         reviewer="ana", amends_id=first.id, created_at=T0))
    contact = session.exec(select(Contact)).first()
    session.add(ContactUse(contact_id=contact.id, purpose="export", detail="contacts.csv", at=T0))
    session.commit()


@pytest.fixture
def filled(engine):
    with Session(engine, expire_on_commit=False) as s:
        fill(s)
    return engine


def _fresh(tmp_path: Path, name: str):
    eng = make_engine(f"sqlite:///{tmp_path / name}")
    return eng


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize("value", [None, "", "\\N", "\\", "\\\\N", "plain", "=1+1", "a\nb"])
def test_encode_decode_text_is_exact(value):
    from sqlalchemy import Column, String

    col = Column("x", String)
    assert decode(encode(value, col), col) == value


def test_round_trip_identical_except_manifest_time(filled, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    m1 = export_all(filled, first, now=datetime(2026, 3, 2, tzinfo=UTC))
    assert {t["name"] for t in m1["tables"]} == {t.name for t in tables()}
    assert sum(t["rows"] for t in m1["tables"]) > 30

    fresh = _fresh(tmp_path, "copy.db")
    loaded = import_all(fresh, first)
    assert loaded == {t["name"]: t["rows"] for t in m1["tables"]}
    m2 = export_all(fresh, second, now=datetime(2026, 3, 3, tzinfo=UTC))

    f1, f2 = _files(first), _files(second)
    assert f1.keys() == f2.keys()
    for name in f1:
        if name != MANIFEST:
            assert f1[name] == f2[name], name
    assert {k: v for k, v in m1.items() if k != "exported_at"} == {k: v for k, v in m2.items()
                                                                   if k != "exported_at"}
    assert m1["exported_at"] != m2["exported_at"]

    with Session(fresh) as s:
        w = s.exec(select(Organisation).where(Organisation.domain == "watershed.co.uk")).one()
        assert w.description == "Line one\nline two, \"quoted\"\r\nend"
        assert w.notes == "" and w.postcode == "BS1 5TX" and w.company_number is None
        assert w.is_cic is True and w.sector_confidence == 0.1 + 0.2
        assert w.sector_evidence[0]["words"] == ["charity", "café"]
        assert w.seed_id is not None and s.get(Organisation, w.seed_id).name == "BBC"
        page = s.exec(select(Page)).one()
        assert page.etag == 'W/"abc\\def"' and page.content_hash == "\\N" and page.error is None
        assert page.fetched_at == T0
        amended = s.exec(select(Decision).where(Decision.amends_id.is_not(None))).one()
        assert s.get(Decision, amended.amends_id).decision == DecisionKind.defer
        assert s.exec(select(MeetupEvent)).one().title == "=cmd|' /C calc'!A0"  # raw data, not neutralised
        # New rows get fresh ids after explicit-id inserts.
        s.add(Organisation(name="New", domain="new.example"))
        s.commit()


def test_import_refuses_non_empty_database(filled, tmp_path):
    folder = tmp_path / "dump"
    export_all(filled, folder)
    with pytest.raises(BadInput, match="is not empty"):
        import_all(filled, folder)


def test_checksum_and_manifest_checks(filled, tmp_path):
    folder = tmp_path / "dump"
    export_all(filled, folder)
    fresh = _fresh(tmp_path, "copy.db")
    with (folder / "relation.csv").open("a", encoding="utf-8") as fh:
        fh.write("999,1,2,partner,\\N,[],1,\\N,2026-03-01T00:00:00+00:00,2026-03-01T00:00:00+00:00\n")
    with pytest.raises(BadInput, match=r"relation\.csv: checksum does not match"):
        import_all(fresh, folder)
    (folder / MANIFEST).unlink()
    with pytest.raises(BadInput, match="manifest.json not found"):
        import_all(fresh, folder)


def test_bad_row_leaves_database_empty(filled, tmp_path):
    """A broken cell in a late table: nothing of the earlier tables stays (one transaction)."""
    folder = tmp_path / "dump"
    export_all(filled, folder)
    path = folder / "relation.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[1] = lines[1].replace("partner", "friend", 1) if "partner" in lines[1] else "x" + lines[1]
    path.write_text("".join(lines), encoding="utf-8")
    manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    import hashlib

    for entry in manifest["tables"]:
        if entry["name"] == "relation":
            entry["sha256"] = hashlib.sha256(path.read_bytes()).hexdigest()
    (folder / MANIFEST).write_text(json.dumps(manifest), encoding="utf-8")
    fresh = _fresh(tmp_path, "copy.db")
    with pytest.raises(BadInput, match=r"relation\.csv:2:"):
        import_all(fresh, folder)
    assert sum(row_counts(fresh).values()) == 0


def test_export_into_non_empty_folder_refused(filled, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "x.txt").write_text("x")
    with pytest.raises(BadInput, match="is not an empty folder"):
        export_all(filled, tmp_path / "busy")


def test_cli_export_all_and_import(filled, db_url, tmp_path):
    runner = CliRunner()
    folder = tmp_path / "archive"
    res = runner.invoke(app, ["--db", db_url, "export", "all", "-o", str(folder)])
    assert res.exit_code == 0, res.output
    assert (folder / MANIFEST).is_file() and (folder / "organisation.csv").is_file()
    copy_url = f"sqlite:///{tmp_path / 'copy.db'}"
    res = runner.invoke(app, ["--db", copy_url, "import", str(folder)])
    assert res.exit_code == 0, res.output
    assert "Imported" in res.stderr
    res = runner.invoke(app, ["--db", copy_url, "import", str(folder)])
    assert res.exit_code == 2
    assert res.stderr.startswith("Error: the database at sqlite:///") and "is not empty" in res.stderr
    assert res.stderr.count("\n") == 1
    res = runner.invoke(app, ["--db", f"sqlite:///{tmp_path / 'x.db'}", "import", str(tmp_path / "nope")])
    assert res.exit_code == 2 and "manifest.json not found" in res.stderr


def test_empty_database_round_trip(engine, tmp_path):
    export_all(engine, tmp_path / "a")
    fresh = _fresh(tmp_path, "copy.db")
    init_db(fresh)
    assert sum(import_all(fresh, tmp_path / "a").values()) == 0


@pytest.mark.postgres
@pytest.mark.integration
def test_sqlite_to_postgresql_and_back(filled, tmp_path):
    """Move a SQLite database to an empty PostgreSQL database and back: identical files, and
    PostgreSQL hands out fresh ids after the explicit ones (sequences moved). Needs
    HARVESTER_TEST_PG_URL naming an EMPTY database; its tables are dropped afterwards."""
    import os

    from sqlmodel import SQLModel

    url = os.environ.get("HARVESTER_TEST_PG_URL")
    if not url:
        pytest.skip("HARVESTER_TEST_PG_URL is not set")
    pg = make_engine(url)
    SQLModel.metadata.drop_all(pg)
    try:
        export_all(filled, tmp_path / "from-sqlite")
        import_all(pg, tmp_path / "from-sqlite")
        export_all(pg, tmp_path / "from-pg")
        a, b = _files(tmp_path / "from-sqlite"), _files(tmp_path / "from-pg")
        for name in a:
            if name != MANIFEST:
                assert a[name] == b[name], name
        with Session(pg) as s:
            top = max(s.exec(select(Organisation.id)).all())
            org = Organisation(name="After import", domain="after.example")
            s.add(org)
            s.commit()
            assert org.id == top + 1
    finally:
        SQLModel.metadata.drop_all(pg)
        pg.dispose()
