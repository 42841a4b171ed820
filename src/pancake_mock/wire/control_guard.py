"""The control plane's door: open to loopback callers, token-guarded for everyone else, or shut.

The control plane resets, rewinds and reveals everything, so it is guarded in front of the whole
app, before routing. Who is calling is the TCP peer in the ASGI scope, never a header: the server
runs without proxy-header rewriting, and X-Forwarded-For unlocks nothing.
"""

from __future__ import annotations

import hmac
import ipaddress
from starlette.types import ASGIApp, Receive, Scope, Send

from .. import contract
from ..domain import errors
from .envelope import error_body

TOKEN_HEADER = "X-Control-Token"


def is_loopback(host: str) -> bool:
    """True for 127.0.0.0/8 and ::1, also when an IPv6 socket reports IPv4 as ::ffff:127.x.x.x."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        address = address.ipv4_mapped
    return address.is_loopback


def control_base_path() -> str:
    """The first path segment every operation of the control plane's contract lives under (`/_mock`)."""
    [prefix] = {"/" + path.split("/")[1] for path in contract.load(contract.CONTROL_SPEC)["paths"]}
    return prefix


class ControlGuard:
    """ASGI middleware. `token=None` lets only loopback callers in; `enabled=False` answers 404 to all."""

    def __init__(self, app: ASGIApp, *, enabled: bool, token: str | None):
        self.app = app
        self.enabled = enabled
        self.token = token.encode() if token else None
        self.base_path = control_base_path()

    def _is_control(self, path: str) -> bool:
        return path == self.base_path or path.startswith(self.base_path + "/")

    def _admits(self, scope: Scope) -> bool:
        client = scope.get("client")
        if client and is_loopback(client[0]):
            return True
        if self.token is None:
            return False
        wanted = TOKEN_HEADER.lower().encode()
        presented = next((value for name, value in scope["headers"] if name == wanted), b"")
        return hmac.compare_digest(presented, self.token)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not self._is_control(scope["path"]):
            await self.app(scope, receive, send)
        elif not self.enabled:
            await answer(send, errors.NOT_FOUND.error())
        elif not self._admits(scope):
            await answer(send, errors.CONTROL_TOKEN_REQUIRED.error())
        else:
            await self.app(scope, receive, send)


async def answer(send: Send, error: errors.ApiError) -> None:
    body = error_body(error)
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": error.status, "headers": headers})
    await send({"type": "http.response.body", "body": body})
