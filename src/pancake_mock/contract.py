"""The OpenAPI contract, loaded as plain data.

Both documents are read with a YAML loader (connexion's own loader renders specs through Jinja2,
which eats `{{ }}` in descriptions). The control plane borrows schemas from the API document by
relative `$ref`; `load` inlines those so each document stands alone for connexion.
"""

from __future__ import annotations

import copy
from functools import cache
from pathlib import Path

import yaml

# A wheel carries the contract inside the package; a source checkout reads the top-level openapi/.
_HERE = Path(__file__).resolve().parent
SPEC_DIR = next(p for p in (_HERE / "openapi", _HERE.parents[1] / "openapi") if p.is_dir())
API_SPEC = SPEC_DIR / "pancake.yaml"
CONTROL_SPEC = SPEC_DIR / "control.yaml"

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
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def load(path: Path) -> dict:
    """The document at `path`, with schema refs into sibling files copied into its components."""
    document = copy.deepcopy(_read(path))
    schemas = document.setdefault("components", {}).setdefault("schemas", {})

    def borrow(file_name: str, name: str) -> None:
        if name in schemas:
            return
        source = _read(path.parent / file_name)["components"]["schemas"]
        schemas[name] = copy.deepcopy(source[name])
        # The borrowed schema's own local refs now point into this document: borrow them too.
        for local in _local_refs(source[name]):
            borrow(file_name, local)

    def rewrite(node: object) -> None:
        if isinstance(node, dict):
            ref = node.get("$ref")
            if isinstance(ref, str) and not ref.startswith("#"):
                file_name, pointer = ref.split("#", 1)
                name = pointer.rsplit("/", 1)[-1]
                borrow(file_name.removeprefix("./"), name)
                node["$ref"] = f"#/components/schemas/{name}"
            for value in list(node.values()):  # borrowing adds schemas as we walk
                rewrite(value)
        elif isinstance(node, list):
            for value in node:
                rewrite(value)

    rewrite(document)
    return document


def _local_refs(node: object) -> list[str]:
    if isinstance(node, dict):
        found = []
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
            found.append(ref.rsplit("/", 1)[-1])
        for value in node.values():
            found += _local_refs(value)
        return found
    if isinstance(node, list):
        return [name for value in node for name in _local_refs(value)]
    return []
