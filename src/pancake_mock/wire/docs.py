"""The developers' pages: the contracts in Swagger UI (`/docs`, openapi/pages.yaml).

Everything they load is served by the mock from installed packages (Swagger UI from
`swagger-ui-bundle`), so they work with no network, and through the buyers' pages' renderer, so
their Content-Security-Policy allows those files and nothing from elsewhere.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from starlette.responses import Response
from swagger_ui_bundle import swagger_ui_path

from .. import contract
from ..domain import commands
from .handlers import operation
from .pages import TEMPLATES, Assets, Pages, render
from .pipeline import Call

DOCS_ASSETS = Assets(css=None, script=(TEMPLATES / "docs.js").read_text(encoding="utf-8"), served=True)
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


class Docs:
    refused = staticmethod(Pages.refused)  # as the buyers' pages answer theirs: a page

    @operation(writes=False, refusal="refused")
    def show_docs(self, call: Call, _command: None) -> Response:
        documents = [{"name": contract.load(spec)["info"]["title"], "url": f"{call.world.path}/docs/openapi/{spec.stem}.json"}
                     for spec in contract.DOCUMENTS]
        return render("docs.html", "docs", 200, assets=DOCS_ASSETS, documents=documents,
                      bundle=f"{call.world.path}/docs/swagger-ui")

    @operation(commands.SwaggerUiFile, writes=False, refusal="refused")
    def get_swagger_ui_file(self, call: Call, command: commands.SwaggerUiFile) -> Response:
        path = Path(swagger_ui_path) / command.file  # one of the names the contract lists
        return _served(_file(path), MEDIA_TYPES[path.suffix])

    @operation(commands.OpenapiDocument, writes=False, refusal="refused")
    def get_openapi_document(self, call: Call, command: commands.OpenapiDocument) -> Response:
        return _served(_document(command.document), "application/json")
