"""An API answer (str, bytes or already parsed) -> clean JSON, or a readable problem instead.

Apart because GraphQL answers, REST v3 bodies and JSON page captures all arrive this way, and a
body that is not JSON must become a message in the facts' errors rather than an exception.
"""

from __future__ import annotations

import json
from typing import Any

from harvester.extract.jsonld import loads_clean, without_controls


def load_json(payload: Any) -> tuple[Any, str | None]:
    if isinstance(payload, (bytes, bytearray)):
        payload = payload.decode("utf-8", errors="replace")
    if isinstance(payload, str):
        try:
            return loads_clean(payload), None
        except json.JSONDecodeError as exc:
            return None, f"not JSON: {exc.msg} at line {exc.lineno}"
        except RecursionError:  # json.loads' own limit, met before any JSONDecodeError
            return None, "not JSON: nested too deep"
    try:
        return without_controls(payload), None
    except RecursionError:
        return None, "not JSON: nested too deep"
