"""`pancake-mock lint`: the spec gate on its own.

openapi-spec-validator checks each document but misses dangling `$ref`s, link operationIds and
security names that name nothing, so those are checked here, with two house rules on top: every
error response uses the ErrorEnvelope (an HTML page's error is a page), and every row of the
seed's create-order error table is documented. A GraphQL SDL file (`.graphql`) is built and
validated by graphql-core, and must be query-only, as the real API's reads are. One `Problem` per
finding, each printable as one line.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple
from urllib.parse import unquote, urldefrag, urljoin

import yaml
from referencing.exceptions import Unresolvable

from . import contract

DEFAULT_PATHS = (contract.API_SPEC, contract.CONTROL_SPEC, contract.PAGES_SPEC, contract.GRAPHQL_SCHEMA)
HTTP_METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
ENVELOPE_POINTER = "/components/schemas/ErrorEnvelope"
SEED_PATH = "/v1/actions/onetime-order/create-order"

_MISSING = object()  # a node that is absent, unlike one that is present and null


@dataclass(frozen=True)
class Problem:
    file: Path
    location: str  # JSON pointer into the file, "#" for the document as a whole
    message: str

    def __str__(self) -> str:
        return f"{_display(self.file)}: {self.location}: {self.message}"


def lint(paths: Sequence[Path] = DEFAULT_PATHS) -> list[Problem]:
    files = _Files()
    problems: list[Problem] = []
    documents: list[_Document] = []
    for path in paths:
        if path.suffix == ".graphql":
            problems += _sdl_problems(path)
            continue
        try:
            data = files.read(path)
        except (OSError, yaml.YAMLError) as error:
            problems.append(Problem(path, "#", f"cannot read: {_one_line(error)}"))
            continue
        if not isinstance(data, dict):
            problems.append(Problem(path, "#", "not a YAML mapping"))
            continue
        documents.append(_Document(path, data))

    operation_ids = {op_id for doc in documents for _, op in doc.operations() if isinstance(op_id := op.get("operationId"), str)}
    for doc in documents:
        problems += _validator_problems(doc)
        problems += _dangling_refs(doc, files)
        problems += _link_problems(doc, files, operation_ids)
        problems += _security_problems(doc)
        problems += _envelope_problems(doc, files)
        problems += _seed_problems(doc, files)
    problems += _duplicate_operation_ids(documents)
    return problems


# --- documents and references ---------------------------------------------------------------


@dataclass(frozen=True)
class _Document:
    path: Path  # as given, so problems name the file the way the user did
    data: dict

    def operations(self) -> Iterator[tuple[tuple, dict]]:
        for route, item in _items(self.data.get("paths")):
            for method, operation in _items(item):
                if method in HTTP_METHODS and isinstance(operation, dict):
                    yield ("paths", route, method), operation


class _Target(NamedTuple):
    file: Path  # resolved
    pointer: str
    node: object


class _Files:
    """YAML files parsed once per run (the documents passed and the files their refs reach), and
    `$ref`s resolved among them by `referencing`, each once: `diff` follows the same refs for
    every operation."""

    def __init__(self, read_text: Callable[[Path], str] = lambda path: path.read_text(encoding="utf-8")) -> None:
        self.read_text = read_text  # `diff` reads another version of the files from git
        self._parsed: dict[Path, object] = {}
        self._real: dict[Path, Path] = {}
        self._targets: dict[tuple[str, Path], _Target | None] = {}
        self._resolver = contract.registry(self.read).resolver()

    def real(self, path: Path) -> Path:
        if path not in self._real:
            self._real[path] = path.resolve()
        return self._real[path]

    def read(self, path: Path) -> object:
        key = self.real(path)
        if key not in self._parsed:
            self._parsed[key] = contract.parse_yaml(self.read_text(key))
        return self._parsed[key]

    def resolve(self, ref: str, base: Path) -> _Target | None:
        """What `ref` names, read from the file `base`; None if nothing is there."""
        if (ref, base) not in self._targets:
            self._targets[ref, base] = self._lookup(urljoin(self.real(base).as_uri(), ref))
        return self._targets[ref, base]

    def _lookup(self, target: str) -> _Target | None:
        try:
            node = self._resolver.lookup(target).contents
        except (Unresolvable, ValueError, TypeError):  # the last two: a pointer that steps into a scalar, or a list by name
            return None
        file_uri, fragment = urldefrag(target)
        return _Target(self.real(contract.file_of(file_uri)), unquote(fragment), node)

    def deref(self, node: object, base: Path, pointer: str = "") -> _Target | None:
        """`node` (at `pointer` in the file `base`) after its chain of `$ref`s, with where it lives;
        None if the chain breaks or loops."""
        target = _Target(self.real(base), pointer, node)
        seen = set()
        while isinstance(ref := _get(target.node, "$ref"), str):
            target = self.resolve(ref, target.file)
            if target is None or (target.file, target.pointer) in seen:
                return None
            seen.add((target.file, target.pointer))
        return target


# --- the rules --------------------------------------------------------------------------------


def _validator_problems(doc: _Document) -> list[Problem]:
    # Imported here: the CLI imports this module for its parser, and every server worker imports
    # the CLI again (multiprocessing's spawn), where the validator's 30 MB would serve nothing.
    from openapi_spec_validator.shortcuts import get_validator_cls
    from openapi_spec_validator.validation.exceptions import DuplicateOperationIDError, ValidatorDetectError

    found = []
    try:
        validator = get_validator_cls(doc.data)(doc.data, base_uri=doc.path.resolve().as_uri())
        for error in validator.iter_errors():
            # _duplicate_operation_ids reports those across files too, and with a location.
            if not isinstance(error, DuplicateOperationIDError):
                # Its message goes on to quote the schema and the instance: the first line says it.
                headline = error.message.partition("\n")[0]
                found.append(Problem(doc.path, _pointer(error.absolute_path), headline))
    except ValidatorDetectError:
        found.append(Problem(doc.path, "#", "no openapi (or swagger) version field"))
    except Unresolvable:
        pass  # it stops at the first dangling $ref; _dangling_refs reports them all, located
    except Exception as crash:
        # Its semantic checks assume a schema-valid document: a crash after reported errors is
        # one of their consequences. A crash on its own is a finding.
        if not found:
            found.append(Problem(doc.path, "#", f"openapi-spec-validator failed: {_one_line(crash)}"))
    return found


def _dangling_refs(doc: _Document, files: _Files) -> Iterator[Problem]:
    for where, node in _mappings(doc.data):
        ref = node.get("$ref")
        if isinstance(ref, str) and files.resolve(ref, doc.path) is None:
            yield Problem(doc.path, _pointer(where), f"dangling $ref {ref!r}")


def _link_problems(doc: _Document, files: _Files, operation_ids: set[str]) -> Iterator[Problem]:
    for where, link in _links(doc):
        operation_id, operation_ref = _get(link, "operationId"), _get(link, "operationRef")
        if isinstance(operation_id, str) and operation_id not in operation_ids:
            yield Problem(doc.path, _pointer(where), f"link to unknown operationId {operation_id!r}")
        if isinstance(operation_ref, str) and files.resolve(operation_ref, doc.path) is None:
            yield Problem(doc.path, _pointer(where), f"link operationRef {operation_ref!r} resolves to nothing")


def _links(doc: _Document) -> Iterator[tuple[tuple, object]]:
    """Link objects live in responses (of operations or components) and in components.links."""
    responses = [(("components", "responses", name), r) for name, r in _items(_get(doc.data, "components", "responses"))]
    responses += [(where + ("responses", code), r) for where, op in doc.operations() for code, r in _items(op.get("responses"))]
    for where, response in responses:
        for name, link in _items(_get(response, "links")):
            yield where + ("links", name), link
    for name, link in _items(_get(doc.data, "components", "links")):
        yield ("components", "links", name), link


def _security_problems(doc: _Document) -> Iterator[Problem]:
    schemes = _get(doc.data, "components", "securitySchemes") or {}
    listings = [(("security",), doc.data.get("security"))]
    listings += [(where + ("security",), op.get("security")) for where, op in doc.operations()]
    for where, requirements in listings:
        for index, requirement in enumerate(requirements if isinstance(requirements, list) else []):
            for name, _ in _items(requirement):
                if name not in schemes:
                    yield Problem(doc.path, _pointer(where + (index,)), f"security scheme {name!r} is not in components.securitySchemes")


def _envelope_problems(doc: _Document, files: _Files) -> Iterator[Problem]:
    for where, operation in doc.operations():
        for code, response in _items(operation.get("responses")):
            if _is_error_status(code) and _uses_envelope(response, doc.path, files) is False:
                via = f" (via {ref})" if isinstance(ref := _get(response, "$ref"), str) else ""
                yield Problem(doc.path, _pointer(where + ("responses", code)), f"error response does not use the ErrorEnvelope{via}")


def _is_error_status(code: object) -> bool:
    return str(code)[:1] in ("4", "5") or code == "default"


def _uses_envelope(response: object, file: Path, files: _Files) -> bool | None:
    """Whether its JSON schema is a `$ref` to the ErrorEnvelope of the API contract (the file
    itself or pancake.yaml next to it); None when a dangling ref, reported as such, hides it."""
    resolved = files.deref(response, file)
    if resolved is None:
        return None
    file, _, response = resolved
    content = _get(response, "content")
    if isinstance(content, dict) and list(content) == ["text/html"]:
        return True  # a buyer's page answers its errors as pages (openapi/pages.yaml)
    ref = _get(response, "content", "application/json", "schema", "$ref")
    if not isinstance(ref, str):
        return False
    target = files.resolve(ref, file)
    if target is None:
        return None
    return target.pointer == ENVELOPE_POINTER and target.file in (file.resolve(), file.resolve().parent / contract.API_SPEC.name)


def _seed_problems(doc: _Document, files: _Files) -> Iterator[Problem]:
    responses = _get(doc.data, "paths", SEED_PATH, "post", "responses")
    if responses is None:
        return  # not the API contract
    for status in dict.fromkeys(status for status, _ in contract.SEED_ERRORS):
        location = _pointer(("paths", SEED_PATH, "post", "responses", status))
        response = _get(responses, str(status))
        if response is None:
            yield Problem(doc.path, location, f"seed status {status} is not documented")
            continue
        documented = _example_messages(response, doc.path, files)
        for message in (m for s, m in contract.SEED_ERRORS if s == status and m not in documented):
            yield Problem(doc.path, location, f"seed message missing from the examples: {message!r}")


def _example_messages(response: object, file: Path, files: _Files) -> set[str]:
    """errors[].message of every JSON example, inline (`example`) or named (`examples.*.value`)."""
    resolved = files.deref(response, file)
    if resolved is None:
        return set()
    file, _, response = resolved
    media = _get(response, "content", "application/json")
    values = [_get(media, "example")]
    for _, example in _items(_get(media, "examples")):
        named = files.deref(example, file)
        values.append(_get(named.node, "value") if named else None)
    errors = [error for value in values if isinstance(errors := _get(value, "errors"), list) for error in errors]
    return {message for error in errors if isinstance(message := _get(error, "message"), str)}


def _duplicate_operation_ids(documents: Iterable[_Document]) -> Iterator[Problem]:
    first_use: dict[str, str] = {}
    for doc in documents:
        for where, operation in doc.operations():
            operation_id = operation.get("operationId")
            if not isinstance(operation_id, str):
                continue
            if operation_id in first_use:
                yield Problem(doc.path, _pointer(where), f"operationId {operation_id!r} is already used at {first_use[operation_id]}")
            else:
                first_use[operation_id] = f"{_display(doc.path)}{_pointer(where)}"


# --- walking YAML that may be malformed -------------------------------------------------------


def _child(node: object, key: object) -> object:
    if isinstance(node, dict):
        if key in node:
            return node[key]
        if isinstance(key, str) and key.isdigit() and int(key) in node:
            return node[int(key)]  # YAML reads an unquoted response code (`400:`) as an int
    elif isinstance(node, list) and str(key).isdigit() and int(key) < len(node):
        return node[int(key)]
    return _MISSING


def _descend(node: object, keys: Iterable[object]) -> object:
    for key in keys:
        node = _child(node, key)
        if node is _MISSING:
            break
    return node


def _get(node: object, *keys: object) -> object:
    """The node at `keys`, or None if any step is absent or not a container."""
    found = _descend(node, keys)
    return None if found is _MISSING else found


def _items(node: object) -> Iterable[tuple[object, object]]:
    return node.items() if isinstance(node, dict) else ()


def _mappings(node: object, where: tuple = ()) -> Iterator[tuple[tuple, dict]]:
    """Every mapping in a document, with its location."""
    if isinstance(node, dict):
        yield where, node
        for key, value in node.items():
            yield from _mappings(value, where + (key,))
    elif isinstance(node, list):
        for index, value in enumerate(node):
            yield from _mappings(value, where + (index,))


def _pointer(parts: Iterable[object]) -> str:
    return "#" + "".join("/" + str(part).replace("~", "~0").replace("/", "~1") for part in parts)


def _display(path: Path) -> str:
    """A path under the working directory prints relative to it, as it would be typed."""
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)


def _one_line(error: object) -> str:
    return " ".join(str(error).split())


# --- the GraphQL schema ---------------------------------------------------------------------


def _sdl_problems(path: Path) -> list[Problem]:
    from graphql import GraphQLError, build_schema, validate_schema

    try:
        schema = build_schema(path.read_text(encoding="utf-8"))
    except OSError as error:
        return [Problem(path, "#", f"cannot read: {_one_line(error)}")]
    except (GraphQLError, TypeError) as error:
        return [Problem(path, _sdl_location(error), _one_line(getattr(error, "message", error)))]
    problems = [Problem(path, _sdl_location(error), _one_line(error.message)) for error in validate_schema(schema)]
    for root, kind in ((schema.mutation_type, "mutation"), (schema.subscription_type, "subscription")):
        if root is not None:
            problems.append(Problem(path, _sdl_location(root), f"a {kind} root: the reads are query-only"))
    return problems


def _sdl_location(found: object) -> str:
    node = getattr(found, "ast_node", None)
    locations = getattr(found, "locations", None) or ([node.loc.source.get_location(node.loc.start)]
                                                      if node is not None and node.loc else [])
    return f"line {locations[0].line}:{locations[0].column}" if locations else "#"


# --- command line -----------------------------------------------------------------------------


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="check the OpenAPI contract",
        description="Check OpenAPI documents (openapi-spec-validator, dangling $refs, link operationIds, security "
        "scheme names, the error envelope and the seed's error table) and GraphQL SDL files (built and validated, "
        "query-only). One line per problem; exit 1 if any.",
    )
    parser.add_argument(
        "files", nargs="*", type=Path, default=list(DEFAULT_PATHS), metavar="FILE",
        help="OpenAPI documents and GraphQL SDL files to check (default: the contracts in openapi/)",
    )


def run(args: argparse.Namespace) -> int:
    problems = lint(args.files)
    for problem in problems:
        print(problem)
    files = len(args.files)
    print(f"lint: {len(problems)} problem(s) in {files} file(s)" if problems else f"lint: OK, {files} file(s)")
    return 1 if problems else 0
