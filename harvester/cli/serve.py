"""`harvester serve`: the review web application on this computer (harvester.review.app)."""

from __future__ import annotations

import errno
import ipaddress
import socket
from typing import Annotated

import typer

from harvester.cli.app import app, err, state
from harvester.errors import BadInput, Failure

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8000


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_port_free(host: str, port: int) -> None:
    """Fail with one line naming the port when it cannot be bound (in use, or not allowed)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host, port))
        except socket.gaierror:
            raise BadInput(f"--host {host!r} is not an address of this computer "
                           f"(use {DEFAULT_HOST})") from None
        except OSError as exc:
            if exc.errno == errno.EADDRINUSE:
                raise Failure(f"port {port} on {host} is already in use: stop the other program or "
                              f"choose another port, e.g. --port {port + 1}") from None
            raise Failure(f"cannot listen on {host}:{port} ({exc.strerror}): choose another --host "
                          "or --port") from None


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(
        "--host", help="Host for the server to listen on. Defaults to 127.0.0.1 which means only "
        "connections from the local machine will be allowed. Use 0.0.0.0 to listen to all IPs and allow "
        "access from other machines (the page has no login).")] = DEFAULT_HOST,
    port: Annotated[int, typer.Option(
        "--port", "-p", min=1, max=65535, help=f"Port for the server. Default: {DEFAULT_PORT}.")]
    = DEFAULT_PORT,
    reviewer: Annotated[str | None, typer.Option(
        "--reviewer", "-r", help="Name recorded on each decision. Default: the `reviewer` setting, "
        "else your login name.")] = None,
) -> None:
    """Open the review page in your browser: the candidate queue (accept / reject / defer with one
    key), organisation pages with every fact's source, the organisations table with CSV download,
    and the network. Stop it with Ctrl-C.

    Example: harvester serve --reviewer "A. Researcher", then open http://127.0.0.1:8000/
    """
    import uvicorn

    from harvester.decisions import default_reviewer
    from harvester.review.app import create_app

    st = state(ctx)
    engine = st.engine()
    name = reviewer or st.config().reviewer or default_reviewer()
    check_port_free(host, port)
    web_app = create_app(engine, reviewer=name)
    shown = f"[{host}]" if ":" in host else host
    err.print(f"Review page: http://{shown}:{port}/  (reviewer: {name or 'no name'}; Ctrl-C to stop)",
              markup=False, highlight=False)
    if not _is_loopback(host):
        err.print(f"Warning: listening on {host}: other machines can open the review page and record "
                  "decisions; it has no login.", markup=False)
    uvicorn.run(web_app, host=host, port=port, log_level="warning", access_log=False,
                server_header=False, proxy_headers=False)
