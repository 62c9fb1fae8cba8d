"""docker-compose.yml, Dockerfile and .env.example, checked statically (no Docker engine runs
here): every service's command is a real `harvester` command with valid options, ports are bound
to 127.0.0.1 only, data lives in named volumes, and every variable is documented."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from typer.main import get_command
from typer.testing import CliRunner

from harvester.cli import app

ROOT = Path(__file__).resolve().parent.parent
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text(encoding="utf-8"))
SERVICES = COMPOSE["services"]
ENV_EXAMPLE = (ROOT / ".env.example").read_text(encoding="utf-8")


def _documented() -> set[str]:
    return set(re.findall(r"^#?\s*([A-Z][A-Z0-9_]*)=", ENV_EXAMPLE, re.M))


def split_command(argv: list[str]) -> tuple[list[str], list[str], list[str]]:
    """harvester [GLOBAL...] PATH... [ARGS...] -> (globals, command path, args), using the app."""
    assert argv[0] == "harvester", argv
    group = get_command(app)
    globals_, rest = [], list(argv[1:])
    # Typer may carry its own copy of click: duck typing, not isinstance.
    takes_value = {o for p in group.params if p.param_type_name == "option" and not p.is_flag
                   for o in p.opts}
    while rest and rest[0].startswith("-"):
        opt = rest.pop(0)
        globals_.append(opt)
        if opt in takes_value:
            globals_.append(rest.pop(0))
    path = []
    cmd = group
    while hasattr(cmd, "commands") and rest:
        sub = cmd.commands.get(rest[0])
        assert sub is not None, f"`harvester {' '.join(path + rest[:1])}` is not a harvester command"
        path.append(rest.pop(0))
        cmd = sub
    return globals_, path, rest


def _command_of(path: list[str]):
    cmd = get_command(app)
    for name in path:
        cmd = cmd.commands[name]  # type: ignore[attr-defined]
    return cmd


@pytest.mark.parametrize("name", sorted(n for n, s in SERVICES.items() if "command" in s))
def test_service_command_is_a_real_harvester_command(name):
    argv = SERVICES[name]["command"]
    assert isinstance(argv, list), "use the exec form (a list) so no shell interprets it"
    globals_, path, args = split_command(argv)
    assert path, argv
    res = CliRunner().invoke(app, [*globals_, *path, "--help"])
    assert res.exit_code == 0, res.output
    cmd = _command_of(path)
    known = {o for p in cmd.params for o in (*getattr(p, "opts", ()), *getattr(p, "secondary_opts", ()))}
    for token in args:
        if token.startswith("-"):
            assert token.split("=")[0] in known, f"{name}: {token} is not an option of harvester {path}"
    # click parses the arguments exactly as at run time (types, ranges, required options).
    ctx = cmd.make_context(" ".join(path), list(args))
    if path == ["schedule"]:
        from harvester.schedule import parse_duration

        assert parse_duration(ctx.params["every"])


def test_the_expected_services_exist():
    assert {"scheduler", "review", "postgres", "init"} <= set(SERVICES)
    assert SERVICES["scheduler"]["command"][:2] == ["harvester", "schedule"]
    assert SERVICES["review"]["command"][:2] == ["harvester", "serve"]
    assert SERVICES["postgres"]["profiles"] == ["postgres"]
    for name in ("scheduler", "review", "init"):
        assert SERVICES[name]["build"]["dockerfile"] == "Dockerfile"


def test_ports_are_bound_to_loopback_only():
    for name, svc in SERVICES.items():
        for port in svc.get("ports", []):
            spec = port if isinstance(port, str) else f"{port.get('host_ip')}:{port.get('published')}"
            assert spec.startswith("127.0.0.1:"), f"{name} publishes {spec} beyond this machine"
    assert SERVICES["review"]["ports"] == ["127.0.0.1:8000:8000"]


def test_data_lives_in_named_volumes():
    declared = set(COMPOSE["volumes"])
    for name, svc in SERVICES.items():
        for vol in svc.get("volumes", []):
            source, target, *mode = vol.split(":")
            if source.startswith((".", "/")):  # a bind mount: only read-only configuration
                assert mode == ["ro"], f"{name}: {vol} writes outside a named volume"
                assert (ROOT / source).exists(), vol
            else:
                assert source in declared, f"{name}: volume {source} is not declared"
    assert "/data" in " ".join(SERVICES["scheduler"]["volumes"])
    assert any(v.startswith("postgres-data:") for v in SERVICES["postgres"]["volumes"])


def test_every_variable_is_documented_in_env_example():
    text = (ROOT / "docker-compose.yml").read_text(encoding="utf-8")
    used = set(re.findall(r"(?<!\$)\$\{([A-Z][A-Z0-9_]*)", text))
    assert used and used <= _documented(), used - _documented()
    from harvester.config import SETTINGS

    settings = {f"HARVESTER_{s.name.upper()}" for s in SETTINGS}
    for var in _documented():
        if var.startswith("HARVESTER_"):
            assert var in settings, f".env.example names {var}, which harvester does not read"


def test_dockerfile_installs_the_project_on_python_311_slim():
    text = (ROOT / "Dockerfile").read_text(encoding="utf-8")
    assert text.count("FROM ") == 1 and "FROM python:3.11-slim" in text
    assert "pip install ." in text and "USER harvester" in text
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".git", ".venv", ".env", "data"} <= set(ignored)
