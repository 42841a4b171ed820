"""The request pipeline: every operation of the contracts runs through the same labelled stages.

    1. read         the body, once, bounded (chunked or not), and the world it was sent to: a
                    tenant's under /t/{tenantId} (wire/tenants.py), else the mock's own
    2. open         one unit of work in that world's store: for a write, a savepoint in the
                    process's current write batch (adapters/writer.py), answered once the batch
                    commits; for a read, a snapshot; for a blocking handler, a transaction of its
                    own in a thread
    3. authenticate the credential the operation's `security` names (before the body is looked at);
                    while writes queue, a write does it on a snapshot before its unit opens, with
                    the handler's draft, so no writer waits on an RSA check or a read; a write's
                    unit records the credential's use (a token renewed or consumed)
    4. validate     parameters and body against the operation's schemas, in our own words
    5. claim        X-Idempotency-Key: replay a kept answer, or hold the key for this process
    6. handle       typed command -> domain call -> view; when a key was claimed, or a slow
                    dependency (the PSP's injected latency) must be waited for holding no lock,
                    in a second unit of work (a buyer's page is its own view: rendered HTML, and
                    its refusals are pages too)
    7. commit       the change, the PSP's records and the kept answer together

It stands where connexion's security and validation stages would, after connexion's routing,
and answers the request itself: connexion's routing comes from the contract, and so does
everything checked here.
"""

from __future__ import annotations

import asyncio
import typing as t
from dataclasses import dataclass
from datetime import datetime

from connexion.middleware.abstract import ROUTING_CONTEXT, RoutedAPI, RoutedMiddleware
from connexion.operations import AbstractOperation
from starlette.datastructures import Headers, QueryParams
from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from .. import codec
from ..adapters import kill_switch
from ..adapters.clock import BusinessClock
from ..adapters.store import SqlTransaction, Store
from ..adapters.worlds import World
from ..domain import errors, idempotency
from . import validation
from .credentials import Credentials, Principal, choose
from .envelope import error_body
from .tenants import WORLD

T = t.TypeVar("T")
MAX_BODY = 1024 * 1024
JSON_TYPES = ("application/json", "+json")
FORM_TYPE = "application/x-www-form-urlencoded"


@dataclass(frozen=True)
class Call:
    """What a handler gets besides its command: the unit of work, the time, the caller."""

    tx: SqlTransaction
    now: datetime
    principal: Principal | None
    world: World  # where the request was sent: the mock's own world, or a tenant's
    draft: t.Any = None  # what the handler's `draft` read ahead, if it has one


@dataclass(frozen=True)
class Handler:
    """One operation's implementation: `run(call, command) -> view`."""

    run: t.Callable[[Call, t.Any], t.Any]
    command: type | None  # built from the parameters and body; None when the operation takes none
    writes: bool = True
    # How long a slow dependency will take to answer (seconds), read in the first unit of work; the
    # pipeline waits that long between two units, holding no lock.
    latency: t.Callable[[SqlTransaction], float] | None = None
    # `draft(tx, command, now)`: what a write can read and work out on a snapshot before its unit of
    # work takes the writer; the handler checks that it still holds (Call.draft).
    draft: t.Callable[[SqlTransaction, t.Any, datetime], t.Any] | None = None
    # How a refusal is answered when not in the API's JSON envelope (the buyers' HTML pages).
    refusal: t.Callable[[errors.ApiError], Response] | None = None
    # Slow work of its own that holds the store (a tenant's new store and keys): its unit of work
    # runs in a thread, not in the event loop's batch of writes.
    blocking: bool = False


@dataclass(frozen=True)
class Services:
    world: World  # the mock's own, for requests sent to its root
    clock: BusinessClock
    credentials: Credentials


@dataclass(frozen=True)
class Claim:
    scope: str  # the caller and path the key belongs to
    key: str
    owner: str  # this process


class Request:
    def __init__(self, scope: Scope, body: bytes):
        self.method: str = scope["method"]
        # The path as sent (still percent-encoded): it is what the merchant signed.
        self.raw_path = scope.get("raw_path", b"").decode("latin-1").split("?", 1)[0] or scope["path"]
        self.headers = Headers(scope=scope)
        self.query = QueryParams(scope.get("query_string", b""))
        self.path_params: dict[str, str] = scope.get("path_params", {})
        self.body = body
        self.world: World | None = scope.get(WORLD)  # a tenant's, when sent under its base URL


async def read_body(receive: Receive) -> bytes:
    chunks, size, more = [], 0, True
    while more:
        message = await receive()
        chunk = message.get("body", b"")
        size += len(chunk)
        if size > MAX_BODY:
            raise errors.PAYLOAD_TOO_LARGE.error()
        chunks.append(chunk)
        more = message.get("more_body", False)
    return b"".join(chunks)


class Operation:
    def __init__(self, operation: AbstractOperation, handler: Handler, services: Services):
        self.name = operation.operation_id
        self.handler = handler
        self.services = services
        self.requirements = [frozenset(requirement) for requirement in operation.security or ()]
        self.parameters = Parameters(operation.parameters)
        self.idempotent = any(p["name"].lower() == "x-idempotency-key" for p in operation.parameters)
        self.body = Body(_dereferenced(operation.body_schema()), operation.consumes,
                         operation.request_body.get("required", False)) if operation.request_body else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        try:
            request = Request(scope, await read_body(receive))  # 1. read
            response = await self.handle(request)
        except errors.ApiError as error:
            response = self.handler.refusal(error) if self.handler.refusal else error_response(error)
        await response(scope, receive, send)

    async def handle(self, request: Request) -> Response:
        """Stages 2 to 7, on the event loop: a unit of work takes well under a millisecond and
        writers queue for one lock anyway, so a hop to a thread would only add its own cost.
        A write's unit joins the process's next batch (Store.write); only that batch's commit and
        a slow dependency are awaited."""
        key = request.headers.get("x-idempotency-key") if self.idempotent else None
        # Parsed and checked before the unit of work opens, so no writer waits on it; a refusal is
        # answered only once the caller is known, as the credential comes first.
        command, refusal = self.command(request)
        world = request.world or self.services.world
        store = world.store
        requirement = choose(self.requirements, request.headers) if self.requirements else None
        # While this process's writes queue, a write reads what it can before its unit of work, on a
        # snapshot, so that no writer waits on it: the credential (an RSA verification, a token) and
        # the handler's draft. The unit then records what the credential's use changes (a token
        # renewed or consumed). With no queue the unit runs at once, and a snapshot would only add its
        # own cost (about 100 µs of a sequential create-order); the outcome is the same either way.
        ahead = (self.handler.writes and (requirement is not None or self.handler.draft is not None)
                 and store.writer_busy)
        known = draft = None
        if ahead:
            with store.snapshot() as tx:
                now = self.services.clock.now(tx)
                known = self.authenticate(requirement, tx, request, now)  # 3. authenticate
                if self.handler.draft is not None and refusal is None:
                    draft = self.handler.draft(tx, command, now)

        def first_unit(tx: SqlTransaction) -> Response | tuple[Claim | None, Principal | None, float]:
            now = self.services.clock.now(tx)
            principal = known if ahead else self.authenticate(requirement, tx, request, now)  # 3.
            if self.handler.writes:
                principal = self.services.credentials.record_use(tx, principal, now, read_before=ahead)
            if key is not None:
                idempotency.check_key(key)
            if refusal is not None:
                raise refusal  # 4. validate
            latency = self.handler.latency(tx) if self.handler.latency else 0
            if key is None and not latency:
                return self.respond(Call(tx, now, principal, world, draft), command)  # 6., 7. in this one unit of work
            claim = None
            if key is not None:
                claim = Claim(f"{principal.caller}:{request.raw_path}", key, store.liveness.owner)
                kept = idempotency.claim(tx, claim.scope, key, now, claim.owner, store.liveness.alive)  # 5. claim
                if kept is not None:
                    return json_response(kept.status, kept.body.encode(), {"X-Idempotent-Replayed": "true"})
            return claim, principal, latency

        if self.handler.blocking:  # 2. open
            step = await asyncio.to_thread(_in_transaction, store, first_unit)
        elif self.handler.writes:
            step = await store.write(first_unit)
        else:
            with store.snapshot() as tx:
                step = first_unit(tx)
        if isinstance(step, Response):
            return step
        claim, principal, latency = step

        def second_unit(tx: SqlTransaction) -> Response:
            keep = claim and (lambda body: idempotency.keep(tx, claim.scope, claim.key, 200, body))
            return self.respond(Call(tx, self.services.clock.now(tx), principal, world, draft), command, keep)

        # The claim is committed: the key is in flight while the rest runs in a second unit of work.
        try:
            await asyncio.sleep(latency)  # 6. a slow dependency's round trip, holding no lock
            return await store.write(second_unit)
        except BaseException:
            if claim is not None:  # any other answer frees the key
                await store.write(lambda tx: idempotency.release(tx, claim.scope, claim.key, claim.owner))
            raise

    def authenticate(self, requirement: frozenset[str] | None, tx: SqlTransaction, request: Request,
                     now: datetime) -> Principal | None:
        if requirement is None:
            return None
        return self.services.credentials.authenticate(
            requirement, tx, request.method, request.raw_path, request.headers, request.body, now,
            self.services.clock.wall.now())

    def command(self, request: Request) -> tuple[t.Any, errors.ApiError | None]:
        """The typed command, or why the request is refused."""
        try:
            values = self.parameters.read(request)
            if self.body is not None:
                values.update(self.body.read(request))
        except errors.ApiError as refusal:
            return None, refusal
        return (codec.load(self.handler.command, values) if self.handler.command else None), None

    def respond(self, call: Call, command: t.Any, keep: t.Callable[[str], None] | None = None) -> Response:
        view = self.handler.run(call, command)  # 6. handle
        if isinstance(view, Response):  # a page, rendered by its handler
            return view
        body = codec.to_json(view)
        if keep is not None:
            keep(body)
        kill_switch.reached(f"{self.name}:before-commit")
        return json_response(200, body.encode())  # 7. commit, as the unit of work closes


class Parameters:
    """Query and path parameters as the contract declares them (headers are credentials' business)."""

    def __init__(self, declared: list[dict[str, t.Any]]):
        self.declared = [p for p in declared if p["in"] in ("query", "path")]
        self.schema = validation.Schema({
            "type": "object", "properties": {p["name"]: p.get("schema", {}) for p in self.declared},
            "required": [p["name"] for p in self.declared if p.get("required")]})

    def read(self, request: Request) -> dict[str, t.Any]:
        values: dict[str, t.Any] = {}
        for parameter in self.declared:
            name, schema = parameter["name"], parameter.get("schema", {})
            source = request.query if parameter["in"] == "query" else request.path_params
            if name in source:
                values[name] = _typed(source[name], schema)
            elif "default" in schema:
                values[name] = schema["default"]
        self.schema.check(values)
        return values


def _in_transaction(store: Store, unit: t.Callable[[SqlTransaction], T]) -> T:
    with store.transaction() as tx:
        return unit(tx)


def _typed(text: str, schema: dict[str, t.Any]) -> t.Any:
    """A query value as the type its schema names, when it reads as one (else the schema refuses it)."""
    if schema.get("type") == "integer" and text.lstrip("-").isdigit() and len(text) < 20:
        return int(text)
    return text


def _dereferenced(schema: dict[str, t.Any]) -> dict[str, t.Any]:
    """The body schema without the copy of the contract's components connexion attaches to it: the
    contract is loaded with its refs resolved, so nothing points there, and each validator kept its
    own compiled copy (half a megabyte per operation)."""
    return {key: value for key, value in schema.items() if key != "components"}


class Body:
    def __init__(self, schema: dict[str, t.Any], media_types: list[str], required: bool):
        self.schema = validation.Schema(schema)
        # The contract's top-level defaults, filled in as the command is built.
        self.defaults = {name: s["default"] for name, s in schema.get("properties", {}).items() if "default" in s}
        self.form = FORM_TYPE in media_types  # an HTML form's body, not JSON
        self.fields = frozenset(schema.get("properties", {}))
        self.required = required  # else no body at all reads as {}

    def read(self, request: Request) -> dict[str, t.Any]:
        # No Content-Type (what `requests.post(data=...)` sends) is read as the operation's type;
        # another type is refused.
        content_type = request.headers.get("content-type", "").split(";", 1)[0].strip().lower()
        if not request.body and not self.required:
            body: t.Any = {}
        elif self.form:
            if content_type and content_type != FORM_TYPE:
                raise errors.UNSUPPORTED_FORM_TYPE.error()
            body = validation.parse_form(request.body, self.fields)
        elif content_type and not content_type.endswith(JSON_TYPES):
            raise errors.UNSUPPORTED_MEDIA_TYPE.error()
        else:
            body = validation.parse_json(request.body, self.schema.schema)
        self.schema.check(body)
        return {**self.defaults, **body}


def json_response(status: int, body: bytes, headers: dict[str, str] | None = None) -> Response:
    return Response(body, status, headers, media_type="application/json")


def error_response(error: errors.ApiError) -> Response:
    return json_response(error.status, error_body(error))


class PipelineAPI(RoutedAPI[Operation]):
    def __init__(self, *args: t.Any, handlers: t.Mapping[str, Handler], services: Services, **kwargs: t.Any):
        super().__init__(*args, **kwargs)
        self.handlers = handlers
        self.services = services
        self.add_paths()

    def make_operation(self, operation: AbstractOperation) -> Operation:
        return Operation(operation, self.handlers[operation.operation_id], self.services)


def pipeline_middleware(handlers: t.Mapping[str, Handler], services: Services,
                        refusals: t.Mapping[str, t.Callable[[errors.ApiError], Response]]) -> type[RoutedMiddleware]:
    """The middleware class, bound to this mock's handlers and services (connexion instantiates it).
    `refusals` answers a path that no operation matches by its first segment ("/psp": an HTML page),
    as the operations under it answer theirs; any other path gets the JSON envelope."""

    class PipelineMiddleware(RoutedMiddleware[PipelineAPI]):
        api_cls = PipelineAPI

        def add_api(self, specification, **kwargs):
            return super().add_api(specification, handlers=handlers, services=services, **kwargs)

        async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
            routed = scope.get("extensions", {}).get(ROUTING_CONTEXT, {})
            if scope["type"] == "http" and (routed.get("operation_id") is None
                                            or routed.get("api_base_path") not in self.apis):
                # No operation of the contracts matches (e.g. a path parameter with a control
                # character, which starlette's `$` can half-match before a trailing newline):
                # nothing behind this stage may answer it.
                refuse = refusals.get("/" + scope["path"].split("/", 2)[1], error_response)
                await refuse(errors.NOT_FOUND.error())(scope, receive, send)
                return
            await super().__call__(scope, receive, send)

    return PipelineMiddleware
