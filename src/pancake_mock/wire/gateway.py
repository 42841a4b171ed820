"""The gateway: buffers the body and authenticates the caller before anything else runs.

It takes the place of connexion's security stage, which sees headers only: a merchant
signature covers the SHA-256 of the raw body. Which credential an operation takes comes from
the contract's `security`; the principal goes into connexion's context for the handlers.
"""

from __future__ import annotations

import typing as t

from connexion.middleware.abstract import RoutedAPI, RoutedMiddleware
from connexion.operations import AbstractOperation
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ..adapters import keys
from ..domain import auth, errors, idempotency
from ..domain.model import ENVIRONMENTS

if t.TYPE_CHECKING:
    from ..app import Mock

MAX_BODY = 1024 * 1024
MERCHANT = frozenset({"merchantId", "merchantTimestamp", "merchantSignature"})
SESSION_TOKEN = frozenset({"sessionToken"})
STORE_SLUG = frozenset({"storeSlug"})
# The header whose presence says a caller chose that credential.
_PRESENCE = {MERCHANT: "x-merchant-id", SESSION_TOKEN: "authorization", STORE_SLUG: "x-store-slug"}


class Authenticator:
    def __init__(self, mock: Mock):
        self.mock = mock

    def __call__(self, requirement: frozenset[str], scope: Scope, headers: Headers, body: bytes) -> object:
        if requirement == MERCHANT:
            return self.merchant(scope, headers, body)
        environment = headers.get("x-environment", "")
        if environment not in ENVIRONMENTS:
            raise errors.INVALID_HEADER.error(header="X-Environment")
        if requirement == SESSION_TOKEN:
            return self.session_token(headers, environment)
        return self.store_slug(headers, environment)

    def merchant(self, scope: Scope, headers: Headers, body: bytes) -> auth.MerchantPrincipal:
        values = {}
        for name in ("X-Merchant-Id", "X-Timestamp", "X-Signature"):
            values[name] = headers.get(name, "")
            if not values[name]:
                raise errors.MISSING_AUTH_HEADER.error(header=name)
        path = scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or scope["path"]
        message = keys.canonical_request(scope["method"], path, values["X-Timestamp"], body)
        with self.mock.store.transaction() as tx:
            return auth.authenticate_merchant(
                tx,
                merchant_id=values["X-Merchant-Id"],
                timestamp=values["X-Timestamp"],
                signature=values["X-Signature"],
                message=message,
                now=self.mock.clock.wall.now(),  # clients sign with real time, whatever the mock's clock says
                verify=keys.verify,
            )

    def session_token(self, headers: Headers, environment: str) -> auth.BuyerPrincipal:
        scheme, _, credential = headers.get("authorization", "").partition(" ")
        token_id = self.mock.tokens.decode(credential.strip()) if scheme.lower() == "bearer" else None
        with self.mock.store.transaction() as tx:
            return auth.authenticate_token(tx, token_id, environment, self.mock.clock.now())

    def store_slug(self, headers: Headers, environment: str) -> auth.StorefrontPrincipal:
        slug = headers.get("x-store-slug", "")
        if not slug:
            raise errors.MISSING_AUTH_HEADER.error(header="X-Store-Slug")
        with self.mock.store.snapshot() as tx:
            return auth.authenticate_store_slug(tx, slug, environment)


class GatewayOperation:
    def __init__(self, next_app: ASGIApp, operation: AbstractOperation, authenticate: Authenticator):
        self.next_app = next_app
        self.authenticate = authenticate
        self.requirements = [frozenset(requirement) for requirement in operation.security or ()]
        # Idempotency applies where the contract offers the header.
        self.idempotent_writes = any(p.get("name", "").lower() == "x-idempotency-key" for p in operation.parameters)

    def _choose(self, headers: Headers) -> frozenset[str]:
        for requirement in self.requirements:
            if _PRESENCE[requirement] in headers:
                return requirement
        return self.requirements[0]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > MAX_BODY:
                raise errors.PAYLOAD_TOO_LARGE.error()
            chunks.append(chunk)
            more = message.get("more_body", False)
        body = b"".join(chunks)

        principal = None
        idempotency_key = None
        if self.requirements:
            headers = Headers(scope=scope)
            principal = await run_in_threadpool(self.authenticate, self._choose(headers), scope, headers, body)
            idempotency_key = headers.get("x-idempotency-key") if self.idempotent_writes else None
        scope.setdefault("extensions", {}).setdefault("connexion_context", {})["principal"] = principal
        # The body is whole now: downstream readers (Werkzeug ignores chunked input) get a length.
        headers = MutableHeaders(scope=scope)
        del headers["transfer-encoding"]
        headers["content-length"] = str(len(body))

        replayed = False

        async def replay() -> dict:
            nonlocal replayed
            if replayed:
                return await receive()
            replayed = True
            return {"type": "http.request", "body": body, "more_body": False}

        if idempotency_key is None:
            await self.next_app(scope, replay, send)
        else:
            await self.idempotent(f"{principal.caller}:{scope['path']}", idempotency_key, scope, replay, send)

    async def idempotent(self, caller: str, key: str, scope: Scope, receive: Receive, send: Send) -> None:
        store, clock = self.authenticate.mock.store, self.authenticate.mock.clock

        def claim():
            idempotency.check_key(key)
            with store.transaction() as tx:
                return idempotency.claim(tx, caller, key, clock.now())

        kept = await run_in_threadpool(claim)
        if kept is not None:
            replay_answer = Response(kept.body, kept.status, {"X-Idempotent-Replayed": "true"}, "application/json")
            await replay_answer(scope, receive, send)
            return
        held: list[dict] = []

        async def hold(message: dict) -> None:
            held.append(message)

        def settle() -> None:
            start = next((m for m in held if m["type"] == "http.response.start"), None)
            body = b"".join(m.get("body", b"") for m in held if m["type"] == "http.response.body")
            with store.transaction() as tx:
                idempotency.settle(tx, caller, key, start["status"] if start else 500, body.decode())

        # The answer is held until the key is settled: a client retrying the moment it has the
        # answer must find the key kept or freed, never still "in flight".
        try:
            await self.next_app(scope, receive, hold)
        finally:  # an exception is answered upstream as an error, which frees the key
            await run_in_threadpool(settle)
        for message in held:
            await send(message)


class GatewayAPI(RoutedAPI[GatewayOperation]):
    def __init__(self, *args: t.Any, mock: Mock, **kwargs: t.Any) -> None:
        super().__init__(*args, **kwargs)
        self.authenticate = Authenticator(mock)
        self.add_paths()

    def make_operation(self, operation: AbstractOperation) -> GatewayOperation:
        return GatewayOperation(self.next_app, operation, self.authenticate)


def gateway_middleware(mock: Mock) -> type[RoutedMiddleware]:
    """The middleware class, bound to this mock's services (connexion instantiates it)."""

    class GatewayMiddleware(RoutedMiddleware[GatewayAPI]):
        api_cls = GatewayAPI

        def add_api(self, specification, **kwargs):
            return super().add_api(specification, mock=mock, **kwargs)

    return GatewayMiddleware
