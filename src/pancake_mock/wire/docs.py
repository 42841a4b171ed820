"""The developers' pages: the contracts in Swagger UI (`/docs`, openapi/pages.yaml), and on the
control plane (openapi/control.yaml) GraphiQL and the dashboard.

Everything they load is served by the mock from installed packages (Swagger UI from
`swagger-ui-bundle`, GraphiQL from `graphene-django-graphiql-static`), so they work with no
network, and through the buyers' pages' renderer, so their Content-Security-Policy allows those
files and nothing from elsewhere.
"""

from __future__ import annotations

import json
from functools import cache
from importlib.resources import files
from pathlib import Path

from starlette.responses import Response
from swagger_ui_bundle import swagger_ui_path

from .. import contract
from ..adapters import seed
from ..domain import commands
from .handlers import operation
from .pages import TEMPLATES, Assets, Pages, render
from .pipeline import Call

GRAPHIQL_FILES = Path(str(files("graphene_django_graphiql_static"))) / "static" / "graphene_django_graphiql_static"
DOCS_ASSETS = Assets(css=None, script=(TEMPLATES / "docs.js").read_text(encoding="utf-8"), served=True)
DASHBOARD_ASSETS = Assets(css=(TEMPLATES / "dashboard.css").read_text(encoding="utf-8"),
                          script=(TEMPLATES / "dashboard.js").read_text(encoding="utf-8"), served=True)
GRAPHIQL_ASSETS = Assets(css=(TEMPLATES / "graphiql.css").read_text(encoding="utf-8"),
                         script=(TEMPLATES / "graphiql.js").read_text(encoding="utf-8"), served=True)
MEDIA_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}


@cache
def _file(path: Path) -> bytes:
    return path.read_bytes()


@cache
def _document(name: str) -> bytes:
    return json.dumps(contract.load(contract.SPEC_DIR / f"{name}.yaml")).encode()


def _served(content: bytes, media_type: str) -> Response:
    # A package's files change only with its version: a browser may keep them a day.
    return Response(content, 200, media_type=media_type,
                    headers={"Cache-Control": "public, max-age=86400", "X-Content-Type-Options": "nosniff"})


def _link(call: Call, spec: Path, operation_id: str, **parameters: str) -> str:
    """The URL path of an operation of a contract in the world called, with its path parameters."""
    return call.world.path + contract.path_of(spec, operation_id).format(**parameters)


def _icon(call: Call) -> str:
    """Every developers' page shows Swagger UI's icon (else the browser asks for a /favicon.ico)."""
    return _link(call, contract.PAGES_SPEC, "getSwaggerUiFile", file="favicon-32x32.png")


class Docs:
    refused = staticmethod(Pages.refused)  # as the buyers' pages answer theirs: a page

    @operation(writes=False, refusal="refused")
    def show_docs(self, call: Call, _command: None) -> Response:
        documents = [{"name": contract.load(spec)["info"]["title"],
                      "url": _link(call, contract.PAGES_SPEC, "getOpenapiDocument", document=spec.stem)}
                     for spec in contract.DOCUMENTS]
        return render("docs.html", "docs", 200, assets=DOCS_ASSETS, documents=documents, icon=_icon(call),
                      files=_link(call, contract.PAGES_SPEC, "getSwaggerUiFile", file=""))

    @operation(commands.PackagedFile, writes=False, refusal="refused")
    def get_swagger_ui_file(self, call: Call, command: commands.PackagedFile) -> Response:
        path = Path(swagger_ui_path) / command.file  # one of the names the contract lists
        return _served(_file(path), MEDIA_TYPES[path.suffix])

    @operation(commands.OpenapiDocument, writes=False, refusal="refused")
    def get_openapi_document(self, call: Call, command: commands.OpenapiDocument) -> Response:
        return _served(_document(command.document), "application/json")


class ControlPages:
    """The control plane's pages for people; the guard in front of `/_mock` keeps them to its callers."""

    @operation(writes=False)
    def show_dashboard(self, call: Call, _command: None) -> Response:
        endpoints = {name: _link(call, contract.CONTROL_SPEC, operation_id) for name, operation_id in
                     (("clock", "getClock"), ("orders", "listOrders"), ("payments", "listPayments"),
                      ("deliveries", "listWebhookDeliveries"))}
        return render("dashboard.html", "dashboard", 200, assets=DASHBOARD_ASSETS, endpoints=endpoints, icon=_icon(call),
                      docs=_link(call, contract.PAGES_SPEC, "showDocs"),
                      graphiql=_link(call, contract.CONTROL_SPEC, "showGraphiql"))

    @operation(writes=False)
    def show_graphiql(self, call: Call, _command: None) -> Response:
        credentials = seed.credentials(call.tx, call.world.base_url, call.tx.setting("devKeys"))
        signed_path = contract.path_of(contract.API_SPEC, "graphqlQuery")  # a tenant's prefix is not signed
        return render("graphiql.html", "graphiql", 200, assets=GRAPHIQL_ASSETS, icon=_icon(call),
                      files=_link(call, contract.CONTROL_SPEC, "getGraphiqlFile", file=""),
                      merchant_id=credentials["merchantId"], signed_path=signed_path, endpoint=call.world.path + signed_path,
                      keys={key["environment"]: key["privateKeyPem"] for key in credentials["apiKeys"]})

    @operation(commands.PackagedFile, writes=False)
    def get_graphiql_file(self, call: Call, command: commands.PackagedFile) -> Response:
        path = GRAPHIQL_FILES / command.file  # one of the names the contract lists
        return _served(_file(path), MEDIA_TYPES[path.suffix])
