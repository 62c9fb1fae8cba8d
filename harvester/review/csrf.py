"""Cross-site request forgery protection for the review page: a signed double-submit token.

Each browser gets a random token in a cookie, signed with the server's secret (HMAC-SHA256), and
every form carries the same token in a hidden field (`csrf_token`; scripts may send the header
`X-CSRF-Token` instead). A POST is accepted only when the cookie's signature is valid and the
submitted token equals the cookie's. Another site can make a browser send the cookie but cannot
read it, so it cannot fill in the field. The cookie is SameSite=Strict and HttpOnly.

The secret is random per server process unless given, so restarting `harvester serve` makes old
pages' forms invalid: the refusal message says to reload the page.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets

COOKIE_NAME = "harvester_csrf"
FIELD_NAME = "csrf_token"
HEADER_NAME = "x-csrf-token"
TOKEN_BYTES = 32  # 256 random bits per browser session
REFUSAL = ("This form was refused: its security token is missing or does not match this review "
           "page (the server may have restarted). Reload the page and try again.")


def new_token() -> str:
    """A fresh random token (URL-safe text)."""
    return secrets.token_urlsafe(TOKEN_BYTES)


def _signature(secret: bytes, token: str) -> str:
    return hmac.new(secret, token.encode("ascii", "replace"), hashlib.sha256).hexdigest()


def sign(secret: bytes, token: str) -> str:
    """The cookie value for `token`: `token.signature`."""
    return f"{token}.{_signature(secret, token)}"


def unsign(secret: bytes, cookie: str | None) -> str | None:
    """The token inside a cookie value, or None when it is absent, malformed or forged."""
    if not cookie or "." not in cookie:
        return None
    token, _, signature = cookie.rpartition(".")
    if not token or not hmac.compare_digest(signature, _signature(secret, token)):
        return None
    return token


def tokens_match(secret: bytes, cookie: str | None, submitted: str | None) -> bool:
    """True when the signed cookie is genuine and the submitted token equals its token."""
    token = unsign(secret, cookie)
    if token is None or not submitted:
        return False
    return hmac.compare_digest(token.encode("ascii", "replace"), submitted.encode("ascii", "replace"))
