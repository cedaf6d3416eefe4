"""Who may talk to the emulator: its own Host names only (no DNS rebinding), no browser page of
another origin (``Origin``, ``Sec-Fetch-Site``), no ``text/plain`` bodies on admin/gateway routes.

curl, the SDK and the Node SDK send no ``Origin`` and a ``Host`` naming the emulator: unaffected.
"""

from __future__ import annotations

import ipaddress
from typing import Dict, Iterable, Mapping, Optional
from urllib.parse import urlsplit

LOOPBACK_NAMES = frozenset({"127.0.0.1", "localhost", "::1"})
WILDCARD = frozenset({"0.0.0.0", "::", ""})
_UNSAFE_METHODS = frozenset({"POST", "PUT", "DELETE", "PATCH"})


def _hostname(value: str) -> str:
    value = value.strip().lower()
    if value.startswith("["):
        return value[1:value.find("]")] if "]" in value else value
    return value.rsplit(":", 1)[0] if value.count(":") == 1 else value


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


class Guard:
    """Checks one request's Host, Origin, Sec-Fetch-Site and Content-Type; a reason to refuse, or None."""

    def __init__(self, host: str, port: int, extra_hosts: Iterable[str] = ()) -> None:
        self.port = port
        self.wildcard = host in WILDCARD
        names = {host.lower().strip("[]")} | {h.lower() for h in extra_hosts}
        if host in LOOPBACK_NAMES or self.wildcard:
            names |= LOOPBACK_NAMES
        self.names = frozenset(names - {""})
        self._hosts: Dict[str, bool] = {}  # Host header value -> accepted, for the few values clients send

    def host_ok(self, name: str) -> bool:
        return name in self.names or (self.wildcard and _is_ip(name))

    def _host_header_ok(self, value: str) -> bool:
        known = self._hosts.get(value)
        if known is None:
            known = self.host_ok(_hostname(value))
            if len(self._hosts) < 64:  # bounded: any other value is checked each time
                self._hosts[value] = known
        return known

    def refuse(self, method: str, path: str, headers: Mapping[str, str]) -> Optional[str]:
        host = headers.get("Host")
        if host is not None and not self._host_header_ok(host):
            return f"Host {host.strip()!r} is not an address of this emulator (start it with --allow-host NAME to accept it)"
        origin = headers.get("Origin")
        if origin is not None and not self._own_origin(origin):
            return f"requests from the web page {origin.strip()!r} are refused (another origin)"
        if (headers.get("Sec-Fetch-Site") or "").strip().lower() in ("cross-site", "same-site"):
            return "requests from another site's web page are refused"
        ctype = (headers.get("Content-Type") or "").split(";")[0].strip().lower()
        if method in _UNSAFE_METHODS and ctype == "text/plain" and (path.startswith("/_emulator/") or path == "/admin"):
            return "text/plain bodies are refused on admin and gateway routes (send application/json)"
        return None

    def _own_origin(self, origin: str) -> bool:
        parts = urlsplit(origin.strip())
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError:
            return False
        return parts.scheme == "http" and self.host_ok((parts.hostname or "").lower()) and port == self.port
