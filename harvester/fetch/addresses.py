"""Refuse hosts on private, loopback, link-local or reserved addresses (unless `--allow-private`).

Why: a seed list or a scraped link must not turn the researcher's laptop into a probe of their own
network (router pages, intranet, cloud metadata at 169.254.169.254).

How: the host name is resolved with the event loop's `getaddrinfo`; if *any* address is not a public
(global) address the host is refused with slug `private-address`; a name that does not resolve gets
`dns`. Results are cached per host for the client's lifetime.

Proxies: like httpx (`trust_env=True`), HTTP_PROXY / HTTPS_PROXY / ALL_PROXY / NO_PROXY are honoured.
When a proxy will carry the request, the *proxy* resolves the name, and a local resolver may not
know public names at all (common on locked-down university networks); so for proxied URLs we skip
the DNS lookup and only refuse literal private IP addresses and `localhost` names. The remaining
gap (a public name pointing at a private address behind the proxy) is the proxy's to police.
Also note the check and the connection resolve separately; a host that changes its DNS answer in
between (DNS rebinding) is not caught. This guards against mistakes, not against a hostile network.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import urllib.request
from collections.abc import Awaitable, Callable

Resolver = Callable[[str, int], Awaitable[list[str]]]


def is_public_address(address: str) -> bool:
    """True for a globally routable unicast address (IPv4-mapped IPv6 judged as IPv4)."""
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host.strip("[]").split("%", 1)[0])
    except ValueError:
        return False
    return True


def is_localhost_name(host: str) -> bool:
    host = host.lower().rstrip(".")
    return host == "localhost" or host.endswith(".localhost")


async def system_resolver(host: str, port: int) -> list[str]:
    """Every address the system resolver gives for host:port."""
    loop = asyncio.get_running_loop()
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [info[4][0] for info in infos]


def proxy_for(scheme: str, host: str) -> str | None:
    """The proxy httpx would use for this scheme and host from the environment, or None."""
    proxies = urllib.request.getproxies()
    proxy = proxies.get(scheme) or proxies.get("all")
    if not proxy:
        return None
    if urllib.request.proxy_bypass(host):
        return None
    return proxy


class AddressGuard:
    """`await guard.check(scheme, host, port)` -> None when fine, else `private-address` or `dns`.

    :param allow_private: accept every address and skip the lookup (tests, the offline sample).
    :param resolver: async (host, port) -> list of address strings; the system resolver by default.
    :param trust_env: honour proxy environment variables (see module docstring).
    """

    def __init__(self, allow_private: bool = False, resolver: Resolver | None = None,
                 trust_env: bool = True) -> None:
        self.allow_private = allow_private
        self._resolve = resolver or system_resolver
        self._trust_env = trust_env
        self._cache: dict[tuple[str, str, int], str | None] = {}

    async def check(self, scheme: str, host: str, port: int) -> str | None:
        if self.allow_private:
            return None
        key = (scheme, host.lower(), port)
        if key not in self._cache:
            self._cache[key] = await self._check(scheme, host.lower().strip("[]"), port)
        return self._cache[key]

    async def _check(self, scheme: str, host: str, port: int) -> str | None:
        if is_ip_literal(host):
            return None if is_public_address(host) else "private-address"
        if is_localhost_name(host):
            return "private-address"
        if self._trust_env and proxy_for(scheme, host):
            return None
        try:
            addresses = await self._resolve(host, port)
        except (OSError, UnicodeError):
            return "dns"
        if not addresses:
            return "dns"
        if all(is_public_address(a) for a in addresses):
            return None
        return "private-address"
