"""The local review web application behind `harvester serve` (Starlette + Jinja2, server-rendered).

Pages (each also as JSON with a `.json` suffix, like Datasette):
    /                      clusters and what they hold
    /queue[/CLUSTER]       the next wave's candidates with accept / reject / defer / note
    /org/ID                one organisation: facts with sources, relations, Meetup, decisions
    /organisations         the table with filters and sorting; /organisations.csv downloads it
    /network[/CLUSTER]     the figure (/network[/CLUSTER].svg), sector-to-sector table, runs

Safety: Jinja2 autoescaping on every template (scraped text is never marked safe); every POST
needs the CSRF token (harvester.review.csrf); every response carries a Content-Security-Policy
that allows only this server's own scripts, styles and images, so an injected script would not
run even if an escape were missed. The page works without JavaScript; static/review.js adds
one-key decisions.
"""

from __future__ import annotations

import io
import json
import os
from collections.abc import Awaitable, Callable
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import jinja2
from markupsafe import Markup
from sqlalchemy.engine import Engine
from sqlmodel import Session
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.middleware import Middleware
from starlette.requests import Request, cookie_parser
from starlette.responses import RedirectResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from harvester import __version__
from harvester.errors import BadInput, HarvesterError, NotFound
from harvester.export import ORGANISATION_FIELDS, write_csv
from harvester.figure import render_figure
from harvester.plain_text import CONTROL_CHARS, drop_controls
from harvester.review import csrf, views
from harvester.review.queries import TableQuery, organisation_rows, sector_label
from harvester.snowball import check_cluster
from harvester.urls import is_http_url

HERE = Path(__file__).resolve().parent
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "form-action 'self'; frame-ancestors 'none'; base-uri 'none'; object-src 'none'")
SECURITY_HEADERS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}
LINK_REL = "noopener noreferrer nofollow"
INTERNAL_ERROR = ("Something went wrong on the review page. The terminal running `harvester serve` shows "
                  "the details; please report them.\n")


class SecurityMiddleware:
    """Adds the security headers to every response and gives each browser its CSRF cookie."""

    def __init__(self, app: ASGIApp, secret: bytes):
        self.app, self.secret = app, secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        cookies: dict[str, str] = {}
        for name, value in scope.get("headers", []):
            if name == b"cookie":
                cookies.update(cookie_parser(value.decode("latin-1")))
        token = csrf.unsign(self.secret, cookies.get(csrf.COOKIE_NAME))
        fresh = token is None
        if fresh:
            token = csrf.new_token()
        scope.setdefault("state", {})["csrf_token"] = token

        started = False

        async def send_with_headers(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                headers = list(message.get("headers", []))
                present = {k.lower() for k, _ in headers}
                headers += [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items()
                            if k.encode() not in present]
                if fresh:
                    value = (f"{csrf.COOKIE_NAME}={csrf.sign(self.secret, token)}; Path=/; HttpOnly; "
                             "SameSite=Strict")
                    headers.append((b"set-cookie", value.encode("latin-1")))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        except Exception:
            # An unexpected error: answer here, with the headers, before Starlette's bare 500
            # (which sits outside this middleware); the error is re-raised to be logged.
            if not started:
                await send_with_headers({"type": "http.response.start", "status": 500,
                                         "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
                await send_with_headers({"type": "http.response.body", "body": INTERNAL_ERROR.encode()})
            raise


# ---------------------------------------------------------------- templates


def _when(value: str | datetime | None) -> str:
    """'2026-01-31T12:05:00+00:00' -> '31 Jan 2026 12:05 UTC'."""
    if not value:
        return "–"
    ts = datetime.fromisoformat(value) if isinstance(value, str) else value
    return ts.strftime("%d %b %Y %H:%M UTC")


def _score(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f}"


def _sentence(text: str | None) -> str:
    """First letter upper-cased, the rest untouched (Jinja's `capitalize` lowers the rest)."""
    return (text[:1].upper() + text[1:]) if text else ""


SECTOR_SOURCES = {"seed": "from the seed file", "rule": "guessed by the harvester's rules",
                  "registry": "from a public register", "review": "set by a reviewer"}
# Harvest-run counts shown first on the network page; the rest sit behind "all counts".
HEADLINE_COUNTS = ("pages_fetched", "pages_failed", "new_organisations", "new_relations", "new_contacts")


def _inert(value: Any) -> Any:
    """Every printed value without control or bidi characters (the terminal's rule): a right-to-left
    override in a scraped name reverses the text after it up to the end of its block, e.g. the
    rest of a candidate's "why" sentence. Markup stays markup; dropping these characters cannot
    make a tag. Escape sequences go whole from text; in Markup only characters go, since a sequence
    matched across markup (ESC in one value, its terminator in another) would cut tags apart."""
    if isinstance(value, Markup):
        return Markup(CONTROL_CHARS.sub("", value))
    return drop_controls(value) if isinstance(value, str) else value


def make_templates() -> jinja2.Environment:
    """The Jinja2 environment: autoescaping always on, undefined names are errors, printed values
    made inert (`_inert`)."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(HERE / "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
                             finalize=_inert)
    env.filters["when"] = _when
    env.filters["score"] = _score
    env.filters["sentence"] = _sentence
    env.tests["http_url"] = lambda v: isinstance(v, str) and is_http_url(v)
    env.globals.update(link_rel=LINK_REL, version=__version__, csrf_field=csrf.FIELD_NAME,
                       urlencode=urlencode, sector_label=sector_label,
                       sector_sources=SECTOR_SOURCES, headline_counts=HEADLINE_COUNTS)
    return env


def _json(data: Any, status: int = 200) -> Response:
    body = json.dumps(data, indent=2, ensure_ascii=False, default=str)
    return Response(body, status_code=status, media_type="application/json")


def _wants_json(request: Request) -> bool:
    return request.url.path.endswith(".json") or "application/json" in request.headers.get("accept", "")


def _render(request: Request, template: str, context: dict[str, Any], status: int = 200) -> Response:
    env: jinja2.Environment = request.app.state.templates
    ctx = {"request": request, "reviewer": request.app.state.reviewer,
           "csrf_token": request.state.csrf_token, "path": request.url.path, **context}
    return Response(env.get_template(template).render(ctx), status_code=status, media_type="text/html")


def _error(request: Request, status: int, message: str) -> Response:
    if _wants_json(request):
        return _json({"error": message, "status": status}, status)
    titles = {400: "That did not work", 403: "Refused", 404: "Not found", 409: "Decided meanwhile"}
    return _render(request, "error.html", {"title": titles.get(status, "Error"), "message": message,
                                           "status": status}, status)


async def _harvester_error(request: Request, exc: Exception) -> Response:
    status = 404 if isinstance(exc, NotFound) else 400 if isinstance(exc, BadInput) else 500
    status = getattr(exc, "status_code", status)  # 409: another reviewer decided meanwhile
    return _error(request, status, str(exc))


# ---------------------------------------------------------------- endpoints


def _with_session(request: Request, fn: Callable[..., Any], *args: Any) -> Any:
    with Session(request.app.state.engine, expire_on_commit=False) as session:
        return fn(session, *args)


def page(view: Callable[..., views.Page], *param_names: str) -> Callable[[Request], Awaitable[Response]]:
    """An endpoint rendering `view` as HTML, or as JSON when the path ends in `.json`."""

    async def endpoint(request: Request) -> Response:
        if (moved := _lower_case_cluster(request)) is not None:
            return moved
        args = [request.path_params.get(p) for p in param_names]
        result = await run_in_threadpool(_with_session, request, view, request.query_params, *args)
        if request.url.path.endswith(".json"):
            return _json(result.data)
        return _render(request, result.template, {**result.data, **result.extra})

    return endpoint


def _next_url(value: str | None, fallback: str) -> str:
    """Where to go after a form: only a path on this server (never another site)."""
    if value and value.startswith("/") and not value.startswith("//") and "\\" not in value:
        return value
    return fallback


def _with_done(url: str, decision_id: int | None) -> str:
    base, _, fragment = url.partition("#")
    joiner = "&" if "?" in base else "?"
    base = base if "done=" in base else f"{base}{joiner}done={decision_id}"
    return f"{base}#{fragment}" if fragment else base


def post(action: Callable[..., Any], *param_names: str) -> Callable[[Request], Awaitable[Response]]:
    """A CSRF-checked form endpoint: run `action`, then redirect (or answer JSON to scripts)."""

    async def endpoint(request: Request) -> Response:
        form = await request.form()
        submitted = form.get(csrf.FIELD_NAME) or request.headers.get(csrf.HEADER_NAME)
        if not csrf.tokens_match(request.app.state.secret, request.cookies.get(csrf.COOKIE_NAME),
                                 submitted if isinstance(submitted, str) else None):
            return _error(request, 403, csrf.REFUSAL)
        args = [request.path_params[p] for p in param_names]
        row = await run_in_threadpool(_with_session, request, action, *args, form, request.app.state.reviewer)
        if _wants_json(request):
            return _json({"ok": True, "decision": {
                "id": row.id, "organisation_id": row.organisation_id, "decision": str(row.decision),
                "value": row.value, "note": row.note, "tags": row.tags, "reviewer": row.reviewer,
                "created_at": row.created_at.isoformat()}})
        fallback = f"/org/{row.organisation_id}"
        target = _next_url(form.get("next") if isinstance(form.get("next"), str) else None, fallback)
        return RedirectResponse(_with_done(target, row.id), status_code=303)

    return endpoint


async def organisations_csv(request: Request) -> Response:
    """Exactly the rows and order of the table for the same query, as `harvester export` writes them."""

    def build(session: Session) -> str:
        rows = organisation_rows(session, TableQuery.parse(request.query_params))
        buffer = io.StringIO(newline="")
        write_csv(rows, ORGANISATION_FIELDS, buffer, excel=request.query_params.get("excel") == "1")
        return buffer.getvalue()

    text = await run_in_threadpool(_with_session, request, build)
    return Response(text.encode("utf-8"), media_type="text/csv; charset=utf-8",
                    headers={"content-disposition": 'attachment; filename="organisations.csv"'})


def _lower_case_cluster(request: Request) -> Response | None:
    """`/queue/Bristol` -> `/queue/bristol`: cluster ids are lower case (seed files enforce it)
    and the command line ignores case, so the page does too, with one address per page."""
    cluster = request.path_params.get("cluster")
    if not cluster or cluster == cluster.lower():
        return None
    path = request.url.path
    head, _, tail = path.rpartition(cluster)  # the cluster is the path's last segment
    url = head + cluster.lower() + tail + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(url, status_code=308)


async def figure_svg(request: Request) -> Response:
    if (moved := _lower_case_cluster(request)) is not None:
        return moved
    cluster = request.path_params.get("cluster")

    def build(session: Session) -> bytes:
        check_cluster(session, cluster)
        return render_figure(session, cluster=cluster, fmt="svg")

    data = await run_in_threadpool(_with_session, request, build)
    return Response(data, media_type="image/svg+xml", headers={"cache-control": "no-store"})


def _routes() -> list[Any]:
    def both(path: str, endpoint: Any) -> list[Route]:
        # The .json route first: "{cluster}" would otherwise swallow "bristol.json".
        return [Route(f"{path}.json", endpoint), Route(path, endpoint)]

    return [
        Route("/", page(views.index)), Route("/index.json", page(views.index)),
        *both("/queue", page(views.queue, "cluster")),
        *both("/queue/{cluster}", page(views.queue, "cluster")),
        Route("/organisations.csv", organisations_csv),
        *both("/organisations", page(views.organisations)),
        *both("/org/{org_id:int}", page(views.organisation, "org_id")),
        Route("/org/{org_id:int}/decide", post(views.decide, "org_id"), methods=["POST"]),
        Route("/org/{org_id:int}/correct", post(views.correct, "org_id"), methods=["POST"]),
        Route("/org/{org_id:int}/decisions/{decision_id:int}/amend",
              post(views.amend, "org_id", "decision_id"), methods=["POST"]),
        Route("/network.svg", figure_svg), Route("/network/{cluster}.svg", figure_svg),
        *both("/network", page(views.network, "cluster")),
        *both("/network/{cluster}", page(views.network, "cluster")),
        Mount("/static", StaticFiles(directory=HERE / "static"), name="static"),
    ]


def create_app(engine: Engine, *, reviewer: str | None = None, secret: bytes | None = None) -> Starlette:
    """The review application over `engine`; decisions are signed with `reviewer` (default: the
    configured reviewer, else the login name). `secret` signs CSRF cookies (random by default)."""
    from harvester.decisions import default_reviewer

    secret = secret or os.urandom(32)

    async def not_found(request: Request, exc: Exception) -> Response:
        return _error(request, getattr(exc, "status_code", 404),
                      getattr(exc, "detail", None) or "There is no such page here.")

    app = Starlette(routes=_routes(), middleware=[Middleware(SecurityMiddleware, secret=secret)],
                    exception_handlers={HarvesterError: _harvester_error, 404: not_found, 405: not_found})
    app.state.engine = engine
    app.state.reviewer = reviewer or default_reviewer()
    app.state.secret = secret
    app.state.templates = make_templates()
    return app
