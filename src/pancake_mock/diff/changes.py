"""What a change to the contract does to its clients: the differ behind `pancake-mock diff`.

Two versions of the contracts (directories, files, or a directory at a git ref against the work
tree) are compared operation by operation with every `$ref` followed (lint's `_Files` reads and
resolves them), and each difference is a `Change`: its class, a rule id from `RULES`, where it is
(the file and JSON pointer of the node, so a schema shared by many operations is one change that
names them all) and one line saying what changed. The GraphQL SDL goes through graphql-core's
`find_schema_changes`: its breaking changes are breaking, its dangerous and safe ones (a new enum
value, an optional argument) non-breaking, as graphql-core judges them for clients that select
fields; descriptions are not compared, here or in OpenAPI.

Why not a packaged differ: oasdiff is Go, and the Python ones on the index (api-schema-diff,
api-governor, api-diff-sentinel, openapi-lens) are single-author projects of a few hundred lines
comparing types, properties and `required`; none reads 3.1's type lists, tells a request from a
response, or knows this API's own promises: the seed's error messages and the error envelope.

Direction: a request schema is what the server accepts, a response schema what it may send (a
webhook's body is sent by the server: a response). A request may accept more and never less; a
response may send less and never more. So a constraint keyword (type, enum or const, pattern,
format, a bound, additionalProperties, the members of oneOf, anyOf, allOf) that changes is
`narrowed` (fewer valid values), `widened` or `changed` (neither), and narrowing a request,
widening a response and any `changed` are breaking: a value added to a response enum breaks a
client's exhaustive switch, a response property made nullable breaks its reader. A response
property removed or made optional breaks readers; a request property made required, or added
required, breaks senders; one removed from a closed object (additionalProperties: false) is now
refused, from an open one ignored.
"""

from __future__ import annotations

import argparse
import json
import re
import subprocess
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import yaml

from .. import contract, lint
from . import ALLOW_LIST, FORMAT_NAMES
from ..lint import _example_messages, _Files, _get, _is_error_status, _items, _pointer, _Target

if TYPE_CHECKING:
    from graphql import GraphQLSchema  # imported where an SDL is compared: the CLI starts without it

CONTRACT_FILES = tuple(path.name for path in lint.DEFAULT_PATHS)
BREAKING, NON_BREAKING, DEPRECATION = "breaking", "non-breaking", "deprecation"
REQUEST, RESPONSE = "request", "response"
NARROWED, WIDENED, CHANGED = "narrowed", "widened", "changed"

_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_EXACT = ("pattern", "format")  # added narrows, removed widens, any other value is a change
_ALTERNATIVES = ("oneOf", "anyOf")  # a member more widens
_ANNOTATIONS = ("description", "title", "summary", "example", "examples", "$comment")
_NAMED_SCHEMAS = ("properties", "patternProperties", "$defs", "dependentSchemas")  # keys are names, not keywords
# The keywords whose change is judged narrowed/widened/changed, with the verdicts each can get.
_KEYWORDS: dict[str, tuple[str, ...]] = {
    **dict.fromkeys(("type", "enum", *_EXACT), (NARROWED, WIDENED, CHANGED)),
    **dict.fromkeys((*_UPPER_BOUNDS, *_LOWER_BOUNDS, "additionalProperties", *_ALTERNATIVES, "allOf"),
                    (NARROWED, WIDENED)),
}
_JSON_TYPES = frozenset(("null", "boolean", "object", "array", "number", "integer", "string"))


def _kebab(name: str) -> str:
    return re.sub(r"(?<!^)(?=[A-Z])", "-", name).lower()


def _keyword_rule(direction: str, keyword: str, verdict: str) -> str:
    return f"{direction}-{_kebab(keyword)}-{verdict}"


def _keyword_rules() -> dict[str, tuple[str, str]]:
    breaking = {(REQUEST, NARROWED), (RESPONSE, WIDENED), (REQUEST, CHANGED), (RESPONSE, CHANGED)}
    return {
        _keyword_rule(direction, keyword, verdict):
            (BREAKING if (direction, verdict) in breaking else NON_BREAKING, f"{direction} {keyword} {verdict}: {{detail}}")
        for keyword, verdicts in _KEYWORDS.items() for direction in (REQUEST, RESPONSE) for verdict in verdicts
    }


# Every OpenAPI rule: its class and its message ({name}, {status}, {detail} are filled in).
RULES: dict[str, tuple[str, str]] = {
    "file-removed": (BREAKING, "the contract file is removed"),
    "file-added": (NON_BREAKING, "the contract file is added"),
    "operation-removed": (BREAKING, "the operation is removed"),
    "operation-added": (NON_BREAKING, "the operation is added"),
    "operation-deprecated": (DEPRECATION, "the operation is deprecated"),
    "security-added": (BREAKING, "a credential more is required: {detail}"),
    "security-removed": (NON_BREAKING, "a credential less is required: {detail}"),
    "security-scheme-changed": (BREAKING, "the security scheme {name} changed"),
    "parameter-removed": (NON_BREAKING, "the parameter {name} is no longer read"),
    "parameter-added": (NON_BREAKING, "the optional parameter {name} is added"),
    "parameter-added-required": (BREAKING, "the required parameter {name} is added"),
    "parameter-required": (BREAKING, "the parameter {name} is now required"),
    "parameter-optional": (NON_BREAKING, "the parameter {name} is now optional"),
    "parameter-deprecated": (DEPRECATION, "the parameter {name} is deprecated"),
    "request-body-required": (BREAKING, "the request body is now required"),
    "request-media-type-removed": (BREAKING, "the {what} is no longer accepted as {name}"),
    "request-media-type-added": (NON_BREAKING, "the {what} is also accepted as {name}"),
    "response-status-removed": (BREAKING, "the {status} response is removed"),
    "response-status-added": (NON_BREAKING, "a {status} response is added"),
    "response-media-type-removed": (BREAKING, "the {what} is no longer sent as {name}"),
    "response-media-type-added": (NON_BREAKING, "the {what} may also be sent as {name}"),
    "response-header-removed": (BREAKING, "the {status} response no longer sends the header {name}"),
    "response-header-added": (NON_BREAKING, "the {status} response sends the header {name}"),
    "request-property-removed": (NON_BREAKING, "the request property {name} is removed: it is ignored"),
    "request-property-refused": (BREAKING, "the request property {name} is removed from a closed object: it is refused"),
    "request-property-added": (NON_BREAKING, "the optional request property {name} is added"),
    "request-property-added-required": (BREAKING, "the required request property {name} is added"),
    "request-property-required": (BREAKING, "the request property {name} is now required"),
    "request-property-optional": (NON_BREAKING, "the request property {name} is now optional"),
    "response-property-removed": (BREAKING, "the response property {name} is removed"),
    "response-property-added": (NON_BREAKING, "the response property {name} is added"),
    "response-property-optional": (BREAKING, "the response property {name} may now be absent"),
    "response-property-required": (NON_BREAKING, "the response property {name} is now always present"),
    "property-deprecated": (DEPRECATION, "the property {name} is deprecated"),
    **_keyword_rules(),
    "seed-error-message-changed": (BREAKING, "the seed's {status} message {name!r} is no longer documented"),
    "error-message-removed": (NON_BREAKING, "the {status} message {name!r} is no longer documented"),
    "error-message-added": (NON_BREAKING, "the {status} message {name!r} is documented"),
    "error-envelope-changed": (BREAKING, "the error envelope changed"),
}

_INPUT_ERRORS = {
    "usage": "give OLD and NEW, or --base GIT_REF [NEW]",
    "missing": "{path}: no such file or directory",
    "no-contracts": "{path}: holds none of " + ", ".join(CONTRACT_FILES),
    "mixed": "{old} and {new}: compare two directories or two files",
    "unreadable": "{path}: cannot read: {error}",
    "not-a-mapping": "{path}: not a YAML mapping",
    "dangling": "{path}#{pointer}: $ref {ref!r} resolves to nothing",
    "git": "git {command}: {error}",
    "allow-list": "{path}: a list of entries, each with rule, location and reason",
    "allow-list-entry": "{path}: entry {index}: {problem}",
}


class InputError(Exception):
    """Input that cannot be compared, or a malformed allow-list: a usage error (exit 2)."""

    def __init__(self, kind: str, **fields: object):
        super().__init__(_INPUT_ERRORS[kind].format(**fields))


@dataclass
class Change:
    kind: str  # BREAKING, NON_BREAKING or DEPRECATION
    rule: str
    location: str  # file#pointer (a GraphQL schema coordinate after the # in an SDL file)
    message: str
    operations: list[str] = field(default_factory=list)  # operationIds, where the change is in operations
    acknowledged: str | None = None  # the allow-list's reason

    def line(self) -> str:
        if not self.operations:
            return self.message
        more = f" and {len(self.operations) - 1} more" if len(self.operations) > 1 else ""
        return f"{self.message} (in {self.operations[0]}{more})"

    def as_json(self) -> dict:
        return {"class": self.kind, "rule": self.rule, "location": self.location, "message": self.message,
                "operations": self.operations, "acknowledged": self.acknowledged}


@dataclass(frozen=True)
class Acknowledgement:
    rule: str
    location: str
    reason: str


@dataclass
class Report:
    old: str  # what was compared, as shown
    new: str
    changes: list[Change]
    stale: list[Acknowledgement]  # allow-list entries that match no breaking change
    allow_list: Path

    @property
    def unacknowledged(self) -> list[Change]:
        return [c for c in self.changes if c.kind == BREAKING and c.acknowledged is None]

    @property
    def exit_code(self) -> int:
        return 1 if self.unacknowledged else 0


# --- the versions compared ------------------------------------------------------------------------


@dataclass
class _Side:
    """One version of the contracts: its documents by name, read and resolved by one `_Files`."""

    label: str
    documents: dict[str, Path]
    files: _Files
    describe: Callable[[Path], str] = str  # a document, as messages name it

    def names(self) -> dict[Path, str]:
        return {path.resolve(): name for name, path in self.documents.items()}


def _on_disk(path: Path, name: str | None = None) -> _Side:
    """A contract directory (the files of CONTRACT_FILES in it) or one file, filed under `name`."""
    if path.is_dir():
        documents = {n: path / n for n in CONTRACT_FILES if (path / n).is_file()}
        if not documents:
            raise InputError("no-contracts", path=path)
    elif path.is_file():
        documents = {name or path.name: path}
    else:
        raise InputError("missing", path=path)
    return _Side(str(path), documents, _Files())


def _at_git_ref(ref: str, new: Path) -> _Side:
    """The same directory or file as `new`, as it is at the git ref `ref`."""
    where = new.resolve()
    top = Path(_git(where if where.is_dir() else where.parent, "rev-parse", "--show-toplevel").strip())
    relative = where.relative_to(top)  # git ran in `where`: its work tree holds it
    _git(top, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")

    def read_text(path: Path) -> str:
        try:
            return _git(top, "show", f"{ref}:{path.resolve().relative_to(top).as_posix()}")
        except (InputError, ValueError) as error:
            raise OSError(str(error)) from None  # lint's readers expect what reading a missing file raises

    def exists(path: Path) -> bool:
        return subprocess.run(["git", "cat-file", "-e", f"{ref}:{path.relative_to(top).as_posix()}"],
                              cwd=top, capture_output=True).returncode == 0

    candidates = [where / name for name in CONTRACT_FILES] if where.is_dir() else [where]
    documents = {path.name: path for path in candidates if exists(path)}
    return _Side(f"{ref}:{relative.as_posix()}", documents, _Files(read_text),
                 lambda path: f"{ref}:{path.relative_to(top).as_posix()}")


def _git(cwd: Path, *arguments: str) -> str:
    try:
        done = subprocess.run(["git", *arguments], cwd=cwd, capture_output=True, text=True)
    except OSError as error:
        raise InputError("git", command=arguments[0], error=error.strerror or error) from None
    if done.returncode != 0:
        error = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[0]
        raise InputError("git", command=" ".join(arguments), error=error)
    return done.stdout


# --- the OpenAPI documents ------------------------------------------------------------------------


@dataclass(frozen=True)
class _Operation:
    node: _Target
    path_item: _Target
    location: str  # where the document lists it, even when its path item is a $ref
    label: str  # operationId, else "METHOD route"
    body: str  # the direction of its request body: a webhook's is sent by the server


class _Differ:
    def __init__(self, old: _Side, new: _Side):
        self.old, self.new = old, new
        self._names = {**old.names(), **new.names()}
        self.changes: dict[tuple[str, str], Change] = {}
        self._operation: str | None = None
        self._walking: set[tuple] = set()  # the schema pairs being compared: a recursive schema stops there

    def run(self) -> list[Change]:
        names = [*CONTRACT_FILES, *(n for n in {**self.old.documents, **self.new.documents} if n not in CONTRACT_FILES)]
        for name in names:
            old, new = self.old.documents.get(name), self.new.documents.get(name)
            if old is None and new is None:
                continue
            if old is None or new is None:
                self._report("file-added" if old is None else "file-removed", name)
            elif name.endswith(".graphql"):
                self._graphql(name, old, new)
            else:
                self._document(self._root(self.old, old), self._root(self.new, new))
        return list(self.changes.values())

    # where changes are ---------------------------------------------------------------------------

    def _location(self, target: _Target, *keys: object) -> str:
        """file#pointer, the file by its name among the contracts."""
        return f"{self._names.get(target.file, target.file.name)}#{target.pointer}{_pointer(keys)[1:]}"

    def _report(self, rule: str, location: str, **fields: object) -> None:
        kind, template = RULES[rule]
        self._add(Change(kind, rule, location, template.format(**{"detail": "", **fields})))

    def _add(self, change: Change) -> None:
        change = self.changes.setdefault((change.rule, change.location), change)
        if self._operation and self._operation not in change.operations:
            change.operations.append(self._operation)

    @staticmethod
    def _root(side: _Side, path: Path) -> _Target:
        try:
            data = side.files.read(path)
        except (OSError, yaml.YAMLError) as error:
            raise InputError("unreadable", path=side.describe(path), error=lint._one_line(error)) from None
        if not isinstance(data, dict):
            raise InputError("not-a-mapping", path=side.describe(path))
        return _Target(path.resolve(), "", data)

    @staticmethod
    def _at(side: _Side, parent: _Target, *keys: object) -> _Target | None:
        """The node at `keys` under `parent`, after its `$ref`s; None if there is none."""
        node = _get(parent.node, *keys)
        if node is None:
            return None
        pointer = parent.pointer + _pointer(keys)[1:]
        target = side.files.deref(node, parent.file, pointer)
        if target is None:
            raise InputError("dangling", path=parent.file.name, pointer=pointer, ref=_get(node, "$ref"))
        return target

    def _slot(self, side: _Side, parent: _Target, *keys: object) -> _Target:
        """The schema at `keys`, or an empty one (it allows anything) where there is none."""
        return self._at(side, parent, *keys) or _Target(parent.file, parent.pointer + _pointer(keys)[1:], {})

    # documents and operations --------------------------------------------------------------------

    def _document(self, old: _Target, new: _Target) -> None:
        old_operations, new_operations = dict(self._operations(self.old, old)), dict(self._operations(self.new, new))
        for key in {**old_operations, **new_operations}:
            before, after = old_operations.get(key), new_operations.get(key)
            self._operation = (after or before).label
            if after is None:
                self._report("operation-removed", before.location)
            elif before is None:
                self._report("operation-added", after.location)
            else:
                self._compare_operations(old, before, new, after)
        self._operation = None
        self._security_schemes(old, new)
        self._envelope(old, new)

    def _operations(self, side: _Side, root: _Target) -> Iterator[tuple[tuple, _Operation]]:
        for section, body in (("paths", REQUEST), ("webhooks", RESPONSE)):
            for route, _ in _items(_get(root.node, section)):
                item = self._at(side, root, section, route)
                for method, operation in _items(item.node):
                    if method in lint.HTTP_METHODS and isinstance(operation, dict):
                        # A path parameter renamed is the same operation.
                        key = (section, re.sub(r"\{[^}/]*\}", "{}", route), method)
                        label = operation.get("operationId") or f"{method.upper()} {route}"
                        yield key, _Operation(self._at(side, item, method), item,
                                              self._location(root, section, route, method), str(label), body)

    def _compare_operations(self, old_root: _Target, old: _Operation, new_root: _Target, new: _Operation) -> None:
        if _newly(old.node.node, new.node.node, "deprecated"):
            self._report("operation-deprecated", new.location)
        if new.body == RESPONSE:  # a webhook: what its receivers parse is the body
            self._content(self._at(self.old, old.node, "requestBody"), self._at(self.new, new.node, "requestBody"),
                          RESPONSE, "webhook body")
            return
        self._security(old_root, old.node, new_root, new.node)
        self._parameters(old, new)
        self._request_body(old.node, new.node)
        self._responses(old.node, new.node)

    def _security(self, old_root: _Target, old: _Target, new_root: _Target, new: _Target) -> None:
        """Each requirement is one way to authenticate (the schemes of one entry together):
        credentials a client used to send must still satisfy some new requirement."""
        before, after = _requirements(old_root, old), _requirements(new_root, new)
        detail = f"{_show_requirements(after)}, was {_show_requirements(before)}"
        location = self._location(new, "security")
        if any(not any(b <= a for b in after) for a in before):
            self._report("security-added", location, detail=detail)
        elif any(not any(a <= b for a in before) for b in after):
            self._report("security-removed", location, detail=detail)

    def _security_schemes(self, old: _Target, new: _Target) -> None:
        for name, _ in _items(_get(old.node, "components", "securitySchemes")):
            before = self._at(self.old, old, "components", "securitySchemes", name)
            after = self._at(self.new, new, "components", "securitySchemes", name)
            if after is not None and _bare(before.node) != _bare(after.node):
                self._report("security-scheme-changed", self._location(after), name=name)

    def _parameters(self, old: _Operation, new: _Operation) -> None:
        before, after = self._parameters_of(self.old, old), self._parameters_of(self.new, new)
        for key in {**before, **after}:
            was, now = before.get(key), after.get(key)
            name = f"{key[0]} {key[1]}"
            if now is None:
                self._report("parameter-removed", self._location(was), name=name)
            elif was is None:
                rule = "parameter-added-required" if _get(now.node, "required") is True else "parameter-added"
                self._report(rule, self._location(now), name=name)
            else:
                required = (_get(was.node, "required") is True, _get(now.node, "required") is True)
                if required[0] != required[1]:
                    self._report("parameter-required" if required[1] else "parameter-optional", self._location(now), name=name)
                if _newly(was.node, now.node, "deprecated"):
                    self._report("parameter-deprecated", self._location(now), name=name)
                self._schema(self._slot(self.old, was, "schema"), self._slot(self.new, now, "schema"), REQUEST)

    def _parameters_of(self, side: _Side, operation: _Operation) -> dict[tuple[str, str], _Target]:
        """By place and name (a header's in lower case); the operation's own override its path's."""
        found = {}
        for owner in (operation.path_item, operation.node):
            listed = _get(owner.node, "parameters")
            for index in range(len(listed) if isinstance(listed, list) else 0):
                parameter = self._at(side, owner, "parameters", index)
                place, name = str(_get(parameter.node, "in")), str(_get(parameter.node, "name"))
                found[place, name.lower() if place == "header" else name] = parameter
        return found

    def _request_body(self, old: _Target, new: _Target) -> None:
        before, after = self._at(self.old, old, "requestBody"), self._at(self.new, new, "requestBody")
        if after is not None and _newly(before.node if before else None, after.node, "required"):
            self._report("request-body-required", self._location(after))
        self._content(before, after, REQUEST, "request body")

    def _responses(self, old: _Target, new: _Target) -> None:
        before = {str(code): code for code, _ in _items(_get(old.node, "responses"))}
        after = {str(code): code for code, _ in _items(_get(new.node, "responses"))}
        for status in {**before, **after}:
            was = self._at(self.old, old, "responses", before[status]) if status in before else None
            now = self._at(self.new, new, "responses", after[status]) if status in after else None
            if now is None:
                self._report("response-status-removed", self._location(old, "responses", status), status=status)
            elif was is None:
                self._report("response-status-added", self._location(new, "responses", status), status=status)
            else:
                self._content(was, now, RESPONSE, f"{status} response")
                self._headers(was, now, status)
                if _is_error_status(status):
                    self._error_messages(was, now, status)

    def _content(self, old: _Target | None, new: _Target | None, direction: str, what: str) -> None:
        """The media types of a request body or a response (`what`), and the schema of each."""
        if old is None or new is None:
            return
        before, after = dict(_items(_get(old.node, "content"))), dict(_items(_get(new.node, "content")))
        for media in {**before, **after}:
            if media not in after:
                self._report(f"{direction}-media-type-removed", self._location(old, "content", media), name=media, what=what)
            elif media not in before:
                self._report(f"{direction}-media-type-added", self._location(new, "content", media), name=media, what=what)
            else:
                self._schema(self._slot(self.old, old, "content", media, "schema"),
                             self._slot(self.new, new, "content", media, "schema"), direction)

    def _headers(self, old: _Target, new: _Target, status: str) -> None:
        before = {str(name).lower(): name for name, _ in _items(_get(old.node, "headers"))}
        after = {str(name).lower(): name for name, _ in _items(_get(new.node, "headers"))}
        for key in {**before, **after}:
            was = self._at(self.old, old, "headers", before[key]) if key in before else None
            now = self._at(self.new, new, "headers", after[key]) if key in after else None
            if now is None:
                self._report("response-header-removed", self._location(was), name=before[key], status=status)
            elif was is None:
                self._report("response-header-added", self._location(now), name=after[key], status=status)
            else:
                self._schema(self._slot(self.old, was, "schema"), self._slot(self.new, now, "schema"), RESPONSE)

    def _error_messages(self, old: _Target, new: _Target, status: str) -> None:
        """The messages of the response's examples (where the contract states them, and where
        lint finds the seed's): one of the seed's table that goes is a break."""
        before = _example_messages(old.node, old.file, self.old.files)
        after = _example_messages(new.node, new.file, self.new.files)
        seed = {(str(code), message) for code, message in contract.SEED_ERRORS}
        location = self._location(new)
        for message in sorted(before - after):
            rule = "seed-error-message-changed" if (status, message) in seed else "error-message-removed"
            self._report(rule, location, name=message, status=status)
        for message in sorted(after - before):
            self._report("error-message-added", location, name=message, status=status)

    def _envelope(self, old: _Target, new: _Target) -> None:
        """Every error of every operation is the envelope: any change to it is a break, even one
        a client might survive, such as a new optional field."""
        keys = [part for part in lint.ENVELOPE_POINTER.split("/") if part]
        before = self._at(self.old, old, *keys)
        if before is None:
            return
        after = self._at(self.new, new, *keys)
        if after is None or self._inlined(self.old, before) != self._inlined(self.new, after):
            self._report("error-envelope-changed", self._location(after or before))

    def _inlined(self, side: _Side, target: _Target, seen: frozenset = frozenset(), names: bool = False) -> object:
        """The schema with its `$ref`s replaced by what they name, without annotations (but a
        property may be called `description`: `names` is a mapping of names to schemas)."""
        if (target.file, target.pointer) in seen:
            return {"$ref": target.pointer}
        seen |= {(target.file, target.pointer)}
        node = target.node
        if isinstance(node, dict):
            return {key: self._inlined(side, self._at(side, target, key), seen, not names and key in _NAMED_SCHEMAS)
                    if isinstance(value, (dict, list)) else value
                    for key, value in node.items() if names or key not in _ANNOTATIONS}
        if isinstance(node, list):
            return [self._inlined(side, self._at(side, target, index), seen) if isinstance(value, (dict, list)) else value
                    for index, value in enumerate(node)]
        return node

    # schemas -------------------------------------------------------------------------------------

    def _schema(self, old: _Target, new: _Target, direction: str) -> None:
        pair = (old.file, old.pointer, new.file, new.pointer, direction)
        if pair in self._walking:
            return
        self._walking.add(pair)
        try:
            self._compare_schemas(old, new, direction)
        finally:
            self._walking.discard(pair)

    def _compare_schemas(self, old: _Target, new: _Target, direction: str) -> None:
        before = old.node if isinstance(old.node, dict) else {}
        after = new.node if isinstance(new.node, dict) else {}
        # One side a choice of alternatives and the other not: the other is one alternative.
        if any(k in before for k in _ALTERNATIVES) != any(k in after for k in _ALTERNATIVES):
            self._alternatives(old, new, direction)
            return
        for keyword, verdict, detail in _constraint_changes(before, after):
            self._keyword(direction, keyword, verdict, self._keyword_location(old, new, keyword), detail)
        self._properties(old, new, direction)
        self._additional_properties(old, new, direction)
        for keyword in ("items", "propertyNames"):
            if keyword in before or keyword in after:
                self._schema(self._slot(self.old, old, keyword), self._slot(self.new, new, keyword), direction)
        for keyword in (*_ALTERNATIVES, "allOf"):
            if keyword in before or keyword in after:
                self._match_members(self._members_of(self.old, old, keyword), self._members_of(self.new, new, keyword),
                                    keyword, direction)

    def _keyword(self, direction: str, keyword: str, verdict: str, location: str, detail: str) -> None:
        self._report(_keyword_rule(direction, keyword, verdict), location, detail=detail)

    def _keyword_location(self, old: _Target, new: _Target, keyword: str) -> str:
        """The keyword in the new schema, or in the old one when it is gone (an enum of one may be a `const`)."""
        for target in (new, old):
            for spelled in (keyword, "const") if keyword == "enum" else (keyword,):
                if isinstance(target.node, dict) and spelled in target.node:
                    return self._location(target, spelled)
        return self._location(new, keyword)

    def _properties(self, old: _Target, new: _Target, direction: str) -> None:
        """A property's changes are where the object names it: its schema may be a shared component."""
        before, after = _object_shape(old.node), _object_shape(new.node)
        closed = _get(new.node, "additionalProperties") is False
        for name in {**before, **after}:
            if name not in after:
                rule = "response-property-removed" if direction == RESPONSE else (
                    "request-property-refused" if closed else "request-property-removed")
                self._report(rule, self._location(old, "properties", name), name=name)
                continue
            site = self._location(new, "properties", name)
            if name not in before:
                rule = f"{direction}-property-added" + ("-required" if direction == REQUEST and after[name] else "")
                self._report(rule, site, name=name)
                continue
            if before[name] != after[name]:
                self._report(f"{direction}-property-{'required' if after[name] else 'optional'}", site, name=name)
            was, now = self._slot(self.old, old, "properties", name), self._slot(self.new, new, "properties", name)
            # `deprecated` may stand beside the $ref, or in what it names.
            if any(_get(n, "deprecated") is True for n in (_get(new.node, "properties", name), now.node)) and not any(
                    _get(n, "deprecated") is True for n in (_get(old.node, "properties", name), was.node)):
                self._report("property-deprecated", site, name=name)
            self._schema(was, now, direction)

    def _additional_properties(self, old: _Target, new: _Target, direction: str) -> None:
        # Allowing any other property, some (by a schema) or none: ranked by how much they allow.
        before, after = _get(old.node, "additionalProperties"), _get(new.node, "additionalProperties")
        was, now = _openness(before), _openness(after)
        if was == now == 1:
            self._schema(self._at(self.old, old, "additionalProperties"),
                         self._at(self.new, new, "additionalProperties"), direction)
        elif was != now:
            self._keyword(direction, "additionalProperties", NARROWED if now < was else WIDENED,
                          self._keyword_location(old, new, "additionalProperties"),
                          f"{_show(before if was != 1 else 'a schema')} → {_show(after if now != 1 else 'a schema')}")

    def _alternatives(self, old: _Target, new: _Target, direction: str) -> None:
        keyword = next(k for k in _ALTERNATIVES if k in new.node or k in old.node)
        before = self._members_of(self.old, old, keyword) if keyword in old.node else [old]
        after = self._members_of(self.new, new, keyword) if keyword in new.node else [new]
        self._match_members(before, after, keyword, direction)

    def _members_of(self, side: _Side, schema: _Target, keyword: str) -> list[_Target]:
        listed = _get(schema.node, keyword)
        return [self._at(side, schema, keyword, index) for index in range(len(listed) if isinstance(listed, list) else 0)]

    def _match_members(self, before: list[_Target], after: list[_Target], keyword: str, direction: str) -> None:
        """Members are paired by where they live (the same component, the same position), then
        by their types; a member more widens alternatives and narrows allOf. A type list split
        into alternatives (`type: [object, null]` to a oneOf of the two) pairs nothing, so it
        shows as a member less and two more."""
        gone, added = list(before), list(after)
        for key in (self._location, lambda member: _types(member.node)):
            for member in list(gone):
                partner = next((i for i, candidate in enumerate(added) if key(candidate) == key(member)), None)
                if partner is not None:
                    self._schema(member, added.pop(partner), direction)
                    gone = [m for m in gone if m is not member]
        more, less = (NARROWED, WIDENED) if keyword == "allOf" else (WIDENED, NARROWED)
        for member in gone:
            self._keyword(direction, keyword, less, self._location(member), "a member less")
        for member in added:
            self._keyword(direction, keyword, more, self._location(member), "a member more")

    # GraphQL -------------------------------------------------------------------------------------

    def _graphql(self, name: str, old: Path, new: Path) -> None:
        from graphql import BreakingChangeType, DangerousChangeType, SafeChangeType, find_schema_changes

        before, after = _sdl(self.old, old), _sdl(self.new, new)
        for change in find_schema_changes(before, after):
            if change.type is SafeChangeType.DESCRIPTION_CHANGED:
                continue
            kind = BREAKING if isinstance(change.type, BreakingChangeType) else NON_BREAKING
            dangerous = "dangerous: " if isinstance(change.type, DangerousChangeType) else ""
            rule = "graphql-" + change.type.name.lower().replace("_", "-")
            self._add(Change(kind, rule, f"{name}#{_coordinate(change.description)}",
                             dangerous + change.description))
        for coordinate in _newly_deprecated(before, after):
            self._add(Change(DEPRECATION, "graphql-deprecated", f"{name}#{coordinate}", f"{coordinate} is deprecated"))


def _sdl(side: _Side, path: Path) -> GraphQLSchema:
    from graphql import GraphQLError, build_schema

    try:
        return build_schema(side.files.read_text(path.resolve()))
    except OSError as error:
        raise InputError("unreadable", path=side.describe(path), error=lint._one_line(error)) from None
    except (GraphQLError, TypeError) as error:
        raise InputError("unreadable", path=side.describe(path), error=lint._one_line(getattr(error, "message", error))) from None


_WORDS = re.compile(r"@?[_A-Za-z][\w-]*(?:\.[_A-Za-z]\w*)?(?:\([_A-Za-z]\w*:\))?")
_FILLER = {"A", "An", "Argument", "Directive", "Enum", "Field", "Standard", "Type", "field", "required",
           "optional", "scalar", "value"}


def _coordinate(description: str) -> str:
    """The schema coordinate graphql-core's description names first: `Order.total`,
    `Query.orders(first:)`, `@deprecated`, else the type."""
    words = _WORDS.findall(description)
    return next((w for w in words if any(c in w for c in ".(@")), next((w for w in words if w not in _FILLER), ""))


def _newly_deprecated(before: GraphQLSchema, after: GraphQLSchema) -> Iterator[str]:
    from graphql import GraphQLEnumType, GraphQLInputObjectType, GraphQLInterfaceType, GraphQLObjectType

    for type_name, new_type in after.type_map.items():
        old_type = before.type_map.get(type_name)
        if type_name.startswith("__") or type(old_type) is not type(new_type):
            continue
        if isinstance(new_type, (GraphQLObjectType, GraphQLInterfaceType, GraphQLInputObjectType)):
            members, old_members = new_type.fields, old_type.fields
        elif isinstance(new_type, GraphQLEnumType):
            members, old_members = new_type.values, old_type.values
        else:
            continue
        for member_name, member in members.items():
            old_member = old_members.get(member_name)
            if member.deprecation_reason is not None and old_member is not None and old_member.deprecation_reason is None:
                yield f"{type_name}.{member_name}"


# --- schema keywords ------------------------------------------------------------------------------


def _constraint_changes(old: dict, new: dict) -> Iterator[tuple[str, str, str]]:
    """(keyword, verdict, detail) of each constraint keyword whose value changed."""
    for keyword, values in (("type", _types), ("enum", _values)):
        before, after = values(old), values(new)
        if before != after:
            yield keyword, _set_verdict(before, after), _set_detail(before, after)
    for keyword in _EXACT:
        before, after = old.get(keyword), new.get(keyword)
        if before != after:
            verdict = NARROWED if before is None else WIDENED if after is None else CHANGED
            yield keyword, verdict, f"{_show(before)} → {_show(after)}"
    for keywords, upper in ((_UPPER_BOUNDS, True), (_LOWER_BOUNDS, False)):
        for keyword in keywords:
            before, after = _number(old.get(keyword)), _number(new.get(keyword))
            if before != after:
                tighter = before is None or (after is not None and (after < before if upper else after > before))
                yield keyword, NARROWED if tighter else WIDENED, f"{_show(before)} → {_show(after)}"


def _types(schema: object) -> frozenset | None:
    """The JSON types a schema allows (an integer is a number too); None: any."""
    declared = _get(schema, "type")
    if declared is None:
        return None
    types = frozenset(declared if isinstance(declared, list) else [declared]) & _JSON_TYPES
    return types | {"integer"} if "number" in types else types


def _values(schema: dict) -> frozenset | None:
    """The values of `enum` (or `const`, an enum of one), as JSON; None: any."""
    if "enum" in schema and isinstance(schema["enum"], list):
        return frozenset(json.dumps(v, sort_keys=True) for v in schema["enum"])
    if "const" in schema:
        return frozenset([json.dumps(schema["const"], sort_keys=True)])
    return None


def _set_verdict(before: frozenset | None, after: frozenset | None) -> str:
    if after is None or (before is not None and after > before):
        return WIDENED
    if before is None or after < before:
        return NARROWED
    return CHANGED


def _set_detail(before: frozenset | None, after: frozenset | None) -> str:
    if before is None or after is None:
        return f"{_show(before)} → {_show(after)}"
    parts = [f"without {', '.join(sorted(before - after))}"] if before - after else []
    parts += [f"with {', '.join(sorted(after - before))}"] if after - before else []
    return "; ".join(parts)


def _number(value: object) -> float | None:
    return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None


def _show(value: object) -> str:
    if value is None:
        return "none"
    if isinstance(value, frozenset):
        return ", ".join(sorted(value))
    return json.dumps(value) if isinstance(value, (str, bool)) else str(value)


def _object_shape(schema: object) -> dict[str, bool]:
    """Each property an object schema names (in `properties` or `required`), and whether it is required."""
    required = _get(schema, "required")
    required = {str(name) for name in required} if isinstance(required, list) else set()
    names = [*(str(name) for name, _ in _items(_get(schema, "properties"))), *sorted(required)]
    return {name: name in required for name in names}


def _openness(additional: object) -> int:
    """How many other properties `additionalProperties` allows: any (absent or true), some (a schema), none."""
    return 2 if additional is None or additional is True else 0 if additional is False else 1


def _newly(old: object, new: object, flag: str) -> bool:
    return _get(new, flag) is True and _get(old, flag) is not True


def _bare(node: object) -> object:
    return {k: v for k, v in node.items() if k not in _ANNOTATIONS} if isinstance(node, dict) else node


def _requirements(root: _Target, operation: _Target) -> list[frozenset]:
    """The operation's security (else the document's) as the sets of schemes of each way in;
    none listed is one way with no credential."""
    listed = _get(operation.node, "security")
    if listed is None:
        listed = _get(root.node, "security")
    ways = [frozenset(str(name) for name, _ in _items(entry)) for entry in listed] if isinstance(listed, list) else []
    return ways or [frozenset()]


def _show_requirements(ways: Iterable[frozenset]) -> str:
    return " or ".join(" + ".join(sorted(way)) or "none" for way in ways)


# --- the allow-list -------------------------------------------------------------------------------


def read_allow_list(path: Path) -> list[Acknowledgement]:
    """`[{rule, location, reason}, …]`; no file is an empty list."""
    if not path.is_file():
        return []
    try:
        entries = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as error:
        raise InputError("unreadable", path=path, error=lint._one_line(error)) from None
    if entries is None:
        return []
    if not isinstance(entries, list):
        raise InputError("allow-list", path=path)
    found = []
    for index, entry in enumerate(entries, 1):
        if not isinstance(entry, dict):
            raise InputError("allow-list-entry", path=path, index=index, problem="not a mapping")
        if unknown := set(entry) - {"rule", "location", "reason"}:
            raise InputError("allow-list-entry", path=path, index=index, problem=f"unknown keys {sorted(unknown)}")
        for key in ("rule", "location", "reason"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                raise InputError("allow-list-entry", path=path, index=index, problem=f"{key} is required")
        found.append(Acknowledgement(entry["rule"], entry["location"], entry["reason"].strip()))
    return found


def acknowledge(changes: list[Change], entries: list[Acknowledgement]) -> list[Acknowledgement]:
    """Marks the breaking changes the entries name; returns the entries that name none."""
    stale = []
    for entry in entries:
        matched = [c for c in changes if c.kind == BREAKING and (c.rule, c.location) == (entry.rule, entry.location)]
        for change in matched:
            change.acknowledged = entry.reason
        if not matched:
            stale.append(entry)
    return stale


# --- the run --------------------------------------------------------------------------------------


def compare(old: Path | None, new: Path, base: str | None = None, allow_list: Path | None = None) -> Report:
    """The changes from `old` (or `new` at the git ref `base`) to `new`, with the allow-list
    (default: breaking-changes.yaml beside `new`) applied."""
    if base is not None:
        if not new.exists():
            raise InputError("missing", path=new)
        before, after = _at_git_ref(base, new), _on_disk(new)
    else:
        if old.is_dir() != new.is_dir() and old.exists() and new.exists():
            raise InputError("mixed", old=old, new=new)
        before, after = _on_disk(old, name=new.name if new.is_file() else None), _on_disk(new)
    changes = _Differ(before, after).run()
    allow_list = allow_list or (new if new.is_dir() else new.parent) / ALLOW_LIST
    stale = acknowledge(changes, read_allow_list(allow_list))
    order = {(BREAKING, False): 0, (BREAKING, True): 1, (DEPRECATION, False): 2, (NON_BREAKING, False): 3}
    changes.sort(key=lambda c: order[c.kind, c.acknowledged is not None])
    return Report(before.label, after.label, changes, stale, allow_list)


def _summary(report: Report) -> str:
    counts = {kind: sum(c.kind == kind for c in report.changes) for kind in (BREAKING, NON_BREAKING, DEPRECATION)}
    if not report.changes:
        return "no changes"
    acknowledged = counts[BREAKING] - len(report.unacknowledged)
    return (f"{counts[BREAKING]} breaking ({acknowledged} acknowledged), {counts[NON_BREAKING]} non-breaking, "
            f"{counts[DEPRECATION]} deprecation(s)")


def _stale_line(report: Report, entry: Acknowledgement) -> str:
    return f"{report.allow_list}: stale entry {entry.rule} at {entry.location}: it matches no breaking change"


def format_text(report: Report) -> str:
    lines = [f"diff: {report.old} → {report.new}"]
    for change in report.changes:
        kind = f"{change.kind}, acknowledged" if change.acknowledged else change.kind
        reason = f" (reason: {change.acknowledged})" if change.acknowledged else ""
        lines.append(f"{change.location}: {kind} [{change.rule}] {change.line()}{reason}")
    lines += [f"warning: {_stale_line(report, entry)}" for entry in report.stale]
    lines.append(f"diff: {_summary(report)}")
    if report.unacknowledged:
        lines.append(f"diff: acknowledge each breaking change in {report.allow_list} (rule, location, reason), or undo it")
    return "\n".join(lines)


def format_json(report: Report) -> str:
    return json.dumps({
        "old": report.old, "new": report.new,
        "changes": [change.as_json() for change in report.changes],
        "stale": [vars(entry) for entry in report.stale],
        "unacknowledged": len(report.unacknowledged),
    }, indent=2)


def format_markdown(report: Report) -> str:
    """For a pull-request comment: what breaks first, the non-breaking changes folded away."""
    def table(changes: list[Change]) -> list[str]:
        rows = ["| | Rule | Location | Change |", "|---|---|---|---|"]
        for c in changes:
            what = c.line() + (f" — acknowledged: {c.acknowledged}" if c.acknowledged else "")
            rows.append(f"| {c.kind} | `{c.rule}` | `{_cell(c.location)}` | {_cell(what)} |")
        return rows

    lines = [f"### Contract diff: `{report.old}` → `{report.new}`", ""]
    if report.unacknowledged:
        lines += [f"**{len(report.unacknowledged)} unacknowledged breaking change(s)**: acknowledge each in "
                  f"`{report.allow_list}` with a reason, or undo it.", ""]
    lines += [_summary(report).capitalize() + ".", ""]
    shown = [c for c in report.changes if c.kind != NON_BREAKING]
    if shown:
        lines += [*table(shown), ""]
    folded = [c for c in report.changes if c.kind == NON_BREAKING]
    if folded:
        lines += [f"<details><summary>{len(folded)} non-breaking change(s)</summary>", "", *table(folded), "", "</details>", ""]
    lines += [f"> **Warning**: {_cell(_stale_line(report, entry))}" for entry in report.stale]
    return "\n".join(lines).rstrip()


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


FORMATS: dict[str, Callable[[Report], str]] = dict(zip(FORMAT_NAMES, (format_text, format_json, format_markdown)))


def run(args: argparse.Namespace) -> int:
    try:
        if args.base is not None and len(args.paths) <= 1:
            report = compare(None, args.paths[0] if args.paths else Path("openapi"), args.base, args.allow_list)
        elif args.base is None and len(args.paths) == 2:
            report = compare(*args.paths, allow_list=args.allow_list)
        else:
            raise InputError("usage")
    except InputError as error:
        print(f"pancake-mock diff: {error}", file=sys.stderr)
        return 2
    print(FORMATS[args.format](report))
    return report.exit_code
