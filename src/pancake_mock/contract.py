"""The OpenAPI contract, loaded as plain data.

Both documents are read with a YAML loader (connexion's own loader renders specs through Jinja2,
which eats `{{ }}` in descriptions). The control plane borrows schemas from the API document by
relative `$ref`s, resolved with `referencing`; `load` copies their targets in, so each document
stands alone for connexion.
"""

from __future__ import annotations

import copy
import hashlib
import json
import os
from collections.abc import Callable
from functools import cache
from importlib.metadata import version
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit
from urllib.request import url2pathname

import yaml
from referencing import Registry, Resource

# A wheel carries the contract inside the package; a source checkout reads the top-level openapi/.
_HERE = Path(__file__).resolve().parent
SPEC_DIR = next(p for p in (_HERE / "openapi", _HERE.parents[1] / "openapi") if p.is_dir())
API_SPEC = SPEC_DIR / "pancake.yaml"
CONTROL_SPEC = SPEC_DIR / "control.yaml"
PAGES_SPEC = SPEC_DIR / "pages.yaml"
GRAPHQL_SCHEMA = SPEC_DIR / "pancake.graphql"  # the reads: POST /v1/graphql in API_SPEC
DOCUMENTS = (API_SPEC, CONTROL_SPEC, PAGES_SPEC)  # what the mock routes by, and /docs shows

# The seed's create-order error table (status, errors[0].message), verbatim: a hard contract.
SEED_ERRORS: tuple[tuple[int, str], ...] = (
    (400, "Invalid JSON body"),
    (400, "Missing required field: checkoutSessionId"),
    (400, "Session product type mismatch: expected onetime"),
    (400, "Environment mismatch between request and session"),
    (400, "Missing billingDetail: provide in request body or pre-fill in checkout session"),
    (400, "State is required for US/CA"),
    (400, "Missing buyerEmail: provide in request body or pre-fill in checkout session"),
    (401, "Authentication failed"),
    (403, "Session does not belong to this store"),
    (409, "Checkout session invalid, please re-enter checkout"),
    (500, "Internal server error"),
)


@cache
def _read(path: Path) -> dict:
    return parse_yaml(path.read_text(encoding="utf-8"))


def parse_yaml(text: str) -> object:
    """YAML as `yaml.safe_load` reads it, by libyaml where PyYAML has it (ten times faster)."""
    return yaml.load(text, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def path_of(spec: Path, operation_id: str) -> str:
    """The path of the operation with this id in the document at `spec`."""
    return next(path for path, item in _read(spec.resolve())["paths"].items()
                if any(isinstance(op, dict) and op.get("operationId") == operation_id for op in item.values()))


def cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "pancake-mock"


def check_openapi(document: dict) -> None:
    """openapi-spec-validator's verdict on a document, remembered per document and validator
    version: checking both contracts costs a start about 0.2 s (and imports 20 MB), once."""
    validator = version("openapi-spec-validator")
    content = json.dumps(document, sort_keys=True, default=str).encode()
    marker = cache_dir() / "valid-contracts" / f"{hashlib.sha256(content).hexdigest()}-{validator}"
    if marker.exists():
        return
    from openapi_spec_validator import validate

    validate(document)  # raises when the document is not valid
    try:
        marker.parent.mkdir(parents=True, exist_ok=True)
        marker.touch()
    except OSError:  # a read-only home: validated again next start
        pass


def registry(read: Callable[[Path], object]) -> Registry:
    """The contract's documents by their file URIs, each read (by `read`) when a `$ref` first
    reaches it. OpenAPI documents are opaque resources: only JSON pointers resolve in them."""
    return Registry(retrieve=lambda uri: Resource.opaque(read(file_of(uri))))


def file_of(uri: str) -> Path:
    return Path(url2pathname(urlsplit(uri).path))


def load(path: Path) -> dict:
    """The document at `path`, with every `$ref` into a sibling file replaced by a local one to a
    copy of its target under the same name in components (connexion resolves local refs only)."""
    document_uri = path.resolve().as_uri()
    document = copy.deepcopy(_read(path.resolve()))
    components = document.setdefault("components", {})
    resolver = registry(_read).resolver(document_uri)
    borrowed: dict[str, str] = {}  # local pointer -> the URI its copy came from

    def localize(node: object, base_uri: str) -> None:
        if isinstance(node, dict):
            if isinstance(ref := node.get("$ref"), str):
                node["$ref"] = local_ref(ref, base_uri)
            for value in list(node.values()):
                localize(value, base_uri)
        elif isinstance(node, list):
            for value in node:
                localize(value, base_uri)

    def local_ref(ref: str, base_uri: str) -> str:
        target = urljoin(base_uri, ref)
        file_uri, pointer = urldefrag(target)
        if file_uri == document_uri:
            return f"#{pointer}"
        parts = pointer.split("/")
        if len(parts) != 4 or parts[:2] != ["", "components"]:
            raise ValueError(f"{path.name}: cannot copy in {ref!r}: only whole components of other documents")
        if pointer in borrowed:
            if borrowed[pointer] != target:
                raise ValueError(f"{path.name}: {ref!r} and {borrowed[pointer]!r} would both become {pointer!r}")
            return f"#{pointer}"
        section, name = parts[2:]
        own = components.setdefault(section, {})
        if name in own:
            raise ValueError(f"{path.name}: {ref!r} would shadow its own {section} {name!r}")
        borrowed[pointer] = target
        own[name] = copy.deepcopy(resolver.lookup(target).contents)
        localize(own[name], file_uri)  # its refs are relative to the file it came from
        return f"#{pointer}"

    localize(document, document_uri)
    return document
