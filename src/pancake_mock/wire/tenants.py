"""`/t/{tenantId}/…`: a tenant's world, under its own base URL.

In front of everything else (the control plane's guard included), the prefix comes off the path,
and the tenant's world goes on in the scope for the pipeline to serve the request from. Behind it
the request is the one a client of that base URL made: the path it signed, the paths the contracts
route, the control plane of that world alone.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Receive, Scope, Send

from ..adapters.worlds import Tenants
from ..domain import errors
from .control_guard import answer

PREFIX = "/t/"
WORLD = "pancake_mock.world"  # the scope's key for the world a request was sent to


class TenantMount:
    def __init__(self, app: ASGIApp, tenants: Tenants):
        self.app = app
        self.tenants = tenants

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or not scope["path"].startswith(PREFIX):
            await self.app(scope, receive, send)
            return
        tenant_id, _, rest = scope["path"][len(PREFIX):].partition("/")
        world = await self.tenants.world(tenant_id)
        if world is None:
            await answer(send, errors.TENANT_NOT_FOUND.error())
            return
        scope = {**scope, "path": "/" + rest, WORLD: world}
        if scope.get("raw_path"):  # a tenant id is ASCII: as long in the raw path as in the path
            scope["raw_path"] = scope["raw_path"][len(PREFIX) + len(tenant_id):] or b"/"
        await self.app(scope, receive, send)
