"""The composition root: settings, adapters and the connexion app, wired once per process."""

from __future__ import annotations

import json
import os
import secrets
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import connexion
from connexion.middleware.abstract import ROUTING_CONTEXT
from connexion.middleware.context import ContextMiddleware
from connexion.middleware.exceptions import ExceptionMiddleware
from connexion.middleware.lifespan import LifespanMiddleware
from connexion.middleware.routing import RoutingMiddleware, RoutingOperation
from connexion.middleware.server_error import ServerErrorMiddleware
from connexion.resolver import Resolver
from connexion.spec import OpenAPISpecification
from starlette.routing import Mount, Route
from starlette.types import ASGIApp, Receive, Scope, Send

from . import DEFAULT_PORT, contract
from .adapters.clock import BusinessClock
from .adapters.migrations import SchemaTooNew
from .adapters.store import Store, sqlite_url
from .adapters.tokens import TokenCodec
from .adapters.worlds import Tenants, World
from .domain import tax
from .domain.orders import OrderRules
from .wire import docs, envelope, graphql, handlers, pages
from .wire.control_guard import ControlGuard
from .wire.tenants import TenantMount
from .wire.credentials import Credentials
from .wire.pipeline import Services, pipeline_middleware

ENV_PREFIX = "PANCAKE_MOCK_"


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    base_url: str
    seed: int = 0
    database_url: str | None = None
    seller_country: str | None = None
    tax_rates: Path | None = None  # a rates.toml of one's own instead of the packaged one
    ip_fixtures: Path | None = None  # an ip_fixtures.json of one's own
    control_plane: bool = True  # False: /_mock/* answers 404
    control_token: str | None = None  # what non-loopback callers of /_mock/* must send; None: loopback only

    def to_env(self) -> dict[str, str]:
        values = {"DATA_DIR": str(self.data_dir), "BASE_URL": self.base_url, "SEED": str(self.seed),
                  "DATABASE_URL": self.database_url or "", "SELLER_COUNTRY": self.seller_country or "",
                  "TAX_RATES": str(self.tax_rates or ""), "IP_FIXTURES": str(self.ip_fixtures or ""),
                  "CONTROL_PLANE": "1" if self.control_plane else "0", "CONTROL_TOKEN": self.control_token or ""}
        return {ENV_PREFIX + key: value for key, value in values.items()}

    @classmethod
    def from_env(cls) -> Settings:
        env = {key.removeprefix(ENV_PREFIX): value for key, value in os.environ.items() if key.startswith(ENV_PREFIX)}
        return cls(
            data_dir=Path(env.get("DATA_DIR", ".pancake-mock")),
            base_url=env.get("BASE_URL", f"http://127.0.0.1:{DEFAULT_PORT}"),
            seed=int(env.get("SEED", "0")),
            database_url=env.get("DATABASE_URL") or None,
            seller_country=env.get("SELLER_COUNTRY") or None,
            tax_rates=Path(env["TAX_RATES"]) if env.get("TAX_RATES") else None,
            ip_fixtures=Path(env["IP_FIXTURES"]) if env.get("IP_FIXTURES") else None,
            control_plane=env.get("CONTROL_PLANE", "1") == "1",
            control_token=env.get("CONTROL_TOKEN") or None,
        )


class ConfigError(Exception):
    """A setting that cannot be used; the message says which file and why."""


def _load(path: Path, loader):
    try:
        return loader(path.read_text(encoding="utf-8"))
    except (OSError, ValueError, KeyError, TypeError) as error:
        raise ConfigError(f"cannot load {path}: {error!r}") from error


class Mock:
    """One mock's state and collaborators. Every worker process builds its own over the same store."""

    def __init__(self, settings: Settings):
        self.settings = settings
        settings.data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # its database holds the private keys too
        store = Store(settings.database_url or sqlite_url(str(settings.data_dir / "pancake.sqlite3")))
        try:
            store.migrate()
        except SchemaTooNew as error:
            raise ConfigError(str(error)) from error
        self.clock = BusinessClock()  # business time: tests may move it
        self.world = World(store, settings.base_url, self.clock)
        self.tenants = Tenants(self.world, settings.data_dir, settings.database_url)
        self.order_rules = OrderRules(
            seller=tax.SellerEstablishment(settings.seller_country),
            rates=_load(settings.tax_rates, tax.load_rate_table) if settings.tax_rates else tax.RATE_TABLE,
            ip_map=_load(settings.ip_fixtures, tax.load_ip_map) if settings.ip_fixtures else tax.DEFAULT_IP_MAP,
        )
        self.world.prepare({"seed": settings.seed, "tokenSecret": secrets.token_hex(32)})
        self.credentials = self.write_credentials()
        self.tokens = TokenCodec(self._read_setting("tokenSecret"))

    @property
    def store(self) -> Store:
        return self.world.store

    @property
    def base_url(self) -> str:
        return self.world.base_url

    @property
    def seed(self) -> int:
        """The seed the data dir was made with: ids and resets follow it, whatever this start was given."""
        return self._read_setting("seed")

    def _read_setting(self, key: str):
        with self.store.snapshot() as tx:
            return tx.setting(key)

    @property
    def credentials_path(self) -> Path:
        return self.settings.data_dir / "credentials.json"

    def write_credentials(self) -> dict:
        """credentials.json: the mock's own world's credentials."""
        creds = self.world.credentials()
        if self.settings.control_token:
            creds["controlToken"] = self.settings.control_token
        # Private keys: the file is 0600 from its first byte, and appears whole by rename.
        temporary = self.credentials_path.with_suffix(f".{os.getpid()}.tmp")
        temporary.unlink(missing_ok=True)  # a leftover of a crashed run may have other permissions
        with os.fdopen(os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600), "w", encoding="utf-8") as file:
            file.write(json.dumps(creds, indent=2) + "\n")
        temporary.replace(self.credentials_path)
        return creds


def _accept_openapi_31() -> None:
    # connexion 3.3 checks specs against the OpenAPI 3.0 meta-schema only (upstream
    # spec-first/connexion#1396); our contract is 3.1, which openapi-spec-validator knows.
    OpenAPISpecification._validate_spec = classmethod(lambda cls, spec: contract.check_openapi(spec))


class ExactRouting(RoutingMiddleware):
    """connexion's routing without starlette's trailing-slash redirect, which answers an undocumented
    307 whose Location is built from the Host header (an open redirect): such a path is a 404.
    And one route per path instead of one per operation, so that a 405 names in `Allow` every
    method the path has, not only those of the first operation starlette tried. A path without
    parameters is found by one dict lookup instead of starlette's walk over every route's regex."""

    def __init__(self, app):
        super().__init__(app)
        self.router.redirect_slashes = False
        self._exact: dict[str, dict[str, tuple[str, RoutingOperation]]] = {}

    def add_api(self, specification, base_path=None, arguments=None, **kwargs):
        super().add_api(specification, base_path=base_path, arguments=arguments, **kwargs)
        mount = self.router.routes[-1]  # the mount this call added
        # connexion chains the APIs of one base path by making the new one every earlier one's
        # fallback, so a third API would hide the second: each falls back to the next instead.
        same_base = [route for route in self.router.routes if isinstance(route, Mount) and route.path == mount.path]
        for earlier, later in zip(same_base, same_base[1:]):
            earlier.app.default = later.app
        api_router = mount.app
        api_router.redirect_slashes = False
        operations: dict[str, dict[str, ASGIApp]] = {}
        for route in api_router.routes:
            operations.setdefault(route.path, {}).update(dict.fromkeys(route.methods, route.app))
            if not route.param_convertors:
                methods = self._exact.setdefault(mount.path + route.path, {})
                for method in route.methods:  # an earlier API keeps its operation, as starlette's order has it
                    methods.setdefault(method, (mount.path, route.app))
        api_router.routes[:] = [Route(path, _ByMethod(apps), methods=list(apps)) for path, apps in operations.items()]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._exact.get(scope["path"], {}).get(scope["method"]) if scope["type"] == "http" else None
        if found is None:  # parameters, an unknown path or method: starlette's router, and its 404 or 405
            await super().__call__(scope, receive, send)
            return
        # What connexion's RoutingOperation attaches, for the pipeline to find its operation by.
        api_base_path, operation = found
        scope.setdefault("extensions", {})[ROUTING_CONTEXT] = {"api_base_path": api_base_path,
                                                               "operation_id": operation.operation_id}
        await operation.next_app(scope, receive, send)


class _ByMethod:
    """The operations of one path, by method (HEAD is GET's, as starlette has it)."""

    def __init__(self, operations: dict[str, ASGIApp]):
        self.operations = operations

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        await self.operations[scope["method"]](scope, receive, send)


def build_app(mock: Mock) -> connexion.FlaskApp:
    _accept_openapi_31()
    operations = handlers.handlers_of(
        handlers.Tokens(mock.tokens),
        handlers.Checkout(),
        handlers.Stores(),
        handlers.Catalog(),
        handlers.Groups(),
        handlers.Webhooks(),
        handlers.ContentSafety(),
        handlers.Refunds(),
        handlers.Orders(mock.order_rules),
        handlers.Control(mock.clock, mock.order_rules),
        handlers.TenantDirectory(mock.tenants),
        handlers.Deliveries(),
        graphql.Reads(),
        handlers.NotImplementedYet(),
        pages.Pages(mock.tokens, mock.order_rules),
        docs.Docs(),
        docs.ControlPages(),
    )
    services = Services(mock.world, mock.clock, Credentials(mock.tokens))
    app = connexion.FlaskApp(
        __name__,
        lifespan=lambda _app: _background(mock),
        middlewares=[
            ServerErrorMiddleware,
            ExceptionMiddleware,
            ExactRouting,
            pipeline_middleware(operations, services, pages.refusals()),  # answers every operation of the contracts
            LifespanMiddleware,
            ContextMiddleware,
        ],
    )
    for spec in contract.DOCUMENTS:
        # connexion resolves each operationId to a function of its Flask app; the pipeline answers first.
        # Both are served from the root: Flask needs each blueprint named apart.
        app.add_api(contract.load(spec), name=spec.stem, resolver=Resolver(function_resolver=lambda _id: _unreachable))
    envelope.install(app)
    return app


@asynccontextmanager
async def _background(mock: Mock):
    """Each worker sends webhooks, and keeps up with business time, in every world while it serves."""
    await mock.world.start()
    await mock.tenants.start()
    try:
        yield
    finally:
        await mock.tenants.stop()
        await mock.world.stop()


def _unreachable(*_args, **_kwargs):
    raise AssertionError("the pipeline answers every operation of the contracts")


def create_app() -> TenantMount:
    """uvicorn's factory: settings come from the environment the CLI prepared."""
    settings = Settings.from_env()
    mock = Mock(settings)
    guarded = ControlGuard(build_app(mock), enabled=settings.control_plane, token=settings.control_token)
    return TenantMount(guarded, mock.tenants)
