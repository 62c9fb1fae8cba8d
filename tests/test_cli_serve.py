"""`harvester serve`: safe default host, reviewer name resolution, clear errors, and one run of the
real entry point answering on a loopback port."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
from typing import Any

import httpx
import pytest
from test_review_browser import free_port, wait_until_responds
from typer.testing import CliRunner

from harvester.cli import app
from harvester.review.app import CSP


@pytest.fixture
def runner(tmp_path, monkeypatch) -> CliRunner:
    monkeypatch.chdir(tmp_path)  # no stray harvester.toml
    for name in ("HARVESTER_CONFIG", "HARVESTER_REVIEWER", "HARVESTER_DB"):
        monkeypatch.delenv(name, raising=False)
    return CliRunner()


@pytest.fixture
def served(monkeypatch) -> list[dict[str, Any]]:
    """Replace uvicorn.run: record what the command would serve instead of serving it."""
    calls: list[dict[str, Any]] = []

    def fake_run(web_app: Any, **kwargs: Any) -> None:
        calls.append({"app": web_app, **kwargs})

    monkeypatch.setattr("uvicorn.run", fake_run)
    return calls


def test_help_says_the_default_host_is_local_only(runner):
    res = runner.invoke(app, ["serve", "--help"])
    assert res.exit_code == 0
    text = " ".join(res.output.split())
    assert "Defaults to 127.0.0.1 which means only connections from the local machine" in text
    assert "Default: 8000" in text and "--reviewer" in text


def test_binds_loopback_unless_told_and_prints_the_url(runner, served, db_url, engine):
    port = free_port()
    res = runner.invoke(app, ["--db", db_url, "serve", "--port", str(port), "--reviewer", "Ada"])
    assert res.exit_code == 0, res.output
    [call] = served
    assert (call["host"], call["port"]) == ("127.0.0.1", port)
    assert call["app"].state.reviewer == "Ada"
    assert f"Review page: http://127.0.0.1:{port}/" in res.stderr
    assert "Warning" not in res.stderr


def test_other_hosts_are_warned_about(runner, served, db_url, engine):
    res = runner.invoke(app, ["--db", db_url, "serve", "--host", "0.0.0.0", "--port", str(free_port())])
    assert res.exit_code == 0, res.output
    assert served[0]["host"] == "0.0.0.0"
    assert "other machines can open the review page" in res.stderr


def test_reviewer_from_the_setting_then_the_login(runner, served, db_url, engine, monkeypatch):
    monkeypatch.setenv("HARVESTER_REVIEWER", "Setting Name")
    assert runner.invoke(app, ["--db", db_url, "serve", "--port", str(free_port())]).exit_code == 0
    assert served[-1]["app"].state.reviewer == "Setting Name"
    monkeypatch.delenv("HARVESTER_REVIEWER")
    monkeypatch.setattr("harvester.decisions.default_reviewer", lambda: "login-name")
    assert runner.invoke(app, ["--db", db_url, "serve", "--port", str(free_port())]).exit_code == 0
    assert served[-1]["app"].state.reviewer == "login-name"


def test_port_in_use_is_one_line_naming_it(runner, served, db_url, engine):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen(1)
        port = busy.getsockname()[1]
        res = runner.invoke(app, ["--db", db_url, "serve", "--port", str(port)])
    assert res.exit_code == 1
    assert res.stderr.strip().splitlines() == [
        f"Error: port {port} on 127.0.0.1 is already in use: stop the other program or choose another "
        f"port, e.g. --port {port + 1}"]
    assert served == []


def test_real_entry_point_serves_the_pages(engine, db_url, tmp_path):
    port = free_port()
    env = {k: v for k, v in os.environ.items() if not k.startswith("HARVESTER_")}
    proc = subprocess.Popen([sys.executable, "-m", "harvester", "--db", db_url, "serve", "--port", str(port)],
                            cwd=tmp_path, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        wait_until_responds(f"http://127.0.0.1:{port}/", proc)
        resp = httpx.get(f"http://127.0.0.1:{port}/index.json")
        assert resp.status_code == 200 and resp.json() == {"clusters": []}
        assert resp.headers["content-security-policy"] == CSP
        page = httpx.get(f"http://127.0.0.1:{port}/")
        assert "No clusters yet" in page.text and "harvester seed" in page.text
    finally:
        proc.terminate()
        proc.wait(timeout=10)
