"""Parity: the scenario suite against two deployments (the mock and staging), answer by answer.

Every answer is normalised first, so that what is left is what a client could tell apart: ids
become placeholders numbered per scenario in the order they first appear (`<ORD_1>`; the same id
twice is the same placeholder), ISO 8601 times `<time>`, the target's own base URL `<base>` and
any other URL `<url>`, tokens, signatures and keys `<token>`, the random hex in the names verify
makes `<hex>`. The rest compares by value: statuses, error messages and layers, amounts,
currencies, every field's presence and type. Two targets' catalogs differ by design, so a value
that a target's credentials list (a store's name or slug, a product's name, a price's amount or
tax category) matches the value at the same place in the other target's credentials.
"""

from __future__ import annotations

import json
import re
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from itertools import zip_longest
from typing import Any

import requests

from . import scenarios
from .client import Api

# Short IDs as the SDK validates them (^[A-Z]{2,5}_[0-9A-Za-z]{22}$), and UUIDs with or without a
# prefix (checkout sessions `cs_…`, scan requests `scan_…`, product groups bare).
SHORT_ID = re.compile(r"\b([A-Z]{2,5})_[0-9A-Za-z]{22}\b")
UUID = re.compile(r"\b(?:([a-z]+)_)?[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b")
TIME = re.compile(r"\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?")
JWT = re.compile(r"\beyJ[\w-]*\.[\w-]+\.[\w-]*")
PEM = re.compile(r"-----BEGIN [A-Z ]+-----.*?-----END [A-Z ]+-----", re.DOTALL)
# A whole string (or URL segment) of random base64 (a PSP token, a signature, a key): mixed case,
# unlike a slug.
OPAQUE = re.compile(r"(?=.*[A-Z])(?:[\w-]{20,}|[\w+/]{40,}={0,2})")
# secrets.token_hex in the names, e-mails and references the scenarios make; the mock's slug suffixes.
HEX = re.compile(r"(?<![0-9A-Za-z])[0-9a-f]{6,}(?![0-9A-Za-z])")
NUMBER = re.compile(r"\d+(?:\.\d+)?")  # an amount, as the API writes it: compared by value
URL = re.compile(r"https?://\S+")
URL_PARTS = re.compile(r"([/?&=#])")
BASE, TOKEN = "<base>", "<token>"
ABSENT = object()


@dataclass(frozen=True)
class Exchange:
    method: str
    path: str  # normalised, after the base URL
    status: int
    body: Any  # normalised JSON; for a body that is not JSON, its media type; None when empty

    @property
    def request(self) -> str:
        return f"{self.method} {self.path}"


class Normaliser:
    """One scenario's answers from one target, with what varies from run to run replaced."""

    def __init__(self, base_url: str):
        self.base_url = base_url.rstrip("/")
        self._numbers: dict[str, dict[str, int]] = defaultdict(dict)

    def exchange(self, response: requests.Response) -> Exchange:
        sent = response.request
        path = self.text(sent.url or "").removeprefix(BASE)
        return Exchange(sent.method or "", path, response.status_code, self._body(response))

    def value(self, value: Any) -> Any:
        if isinstance(value, dict):  # keys in order, so ids are numbered alike whatever order a server writes
            return {key: self.value(value[key]) for key in sorted(value)}
        if isinstance(value, list):
            return [self.value(item) for item in value]
        return self.text(value) if isinstance(value, str) else value

    def text(self, text: str) -> str:
        if NUMBER.fullmatch(text):
            return text
        text = URL.sub(lambda found: self._url(found.group()), text)
        text = JWT.sub(TOKEN, PEM.sub(TOKEN, text))
        text = TIME.sub("<time>", text)
        text = UUID.sub(self._number, SHORT_ID.sub(self._number, text))
        text = HEX.sub("<hex>", text)
        return TOKEN if OPAQUE.fullmatch(text) else text

    def _url(self, url: str) -> str:
        rest = url[len(self.base_url):]
        if not url.startswith(self.base_url) or rest[:1] not in ("", "/", "?", "#"):
            return "<url>"
        return BASE + "".join(map(self.text, URL_PARTS.split(rest)))

    def _number(self, found: re.Match) -> str:
        prefix = found.group(1) or "uuid"
        seen = self._numbers[prefix]
        return f"<{prefix}_{seen.setdefault(found.group(), len(seen) + 1)}>"

    def _body(self, response: requests.Response) -> Any:
        if not response.content:
            return None
        try:
            return self.value(response.json())
        except ValueError:
            return f"<{response.headers.get('Content-Type', 'untyped').split(';')[0]} body>"


class Catalog:
    """Where each value of a target's own catalog sits in its credentials: stores by position,
    products by position among those of their type (as the scenarios pick them)."""

    def __init__(self, credentials: dict[str, Any], normalise: Callable[[str], str]):
        self.places: dict[str, set[str]] = defaultdict(set)
        for number, store in enumerate(credentials["stores"]):
            self.places[normalise(store["name"])].add(f"stores[{number}].name")
            self.places[normalise(store["slug"])].add(f"stores[{number}].slug")
            of_type: dict[str, int] = defaultdict(int)
            for product in store["products"]:
                place = f"stores[{number}].{product['type']}[{of_type[product['type']]}]"
                of_type[product["type"]] += 1
                self.places[normalise(product["name"])].add(f"{place}.name")
                for currency, price in product["prices"].items():
                    for field in ("amount", "taxCategory"):
                        self.places[normalise(price[field])].add(f"{place}.prices.{currency}.{field}")

    def place_of(self, value: str) -> set[str]:
        return self.places.get(value, set())


@dataclass(frozen=True)
class Run:
    """One scenario on one target."""

    outcome: str
    exchanges: list[Exchange]
    catalog: Catalog


def record(api: Api, answers: list[requests.Response], context: scenarios.Context,
           progress: Callable[[str], None]) -> dict[str, Run]:
    """Every scenario against `api`, whose observer appends each answer to `answers`."""
    catalog = Catalog(api.credentials, Normaliser(api.base_url).text)
    runs = {}
    for item in scenarios.REGISTRY:
        answers.clear()
        outcome = scenarios.run_one(item, context, progress).outcome
        normaliser = Normaliser(api.base_url)
        runs[item.name] = Run(outcome, [normaliser.exchange(answer) for answer in answers], catalog)
    return runs


def differences(a: Run, b: Run) -> list[str]:
    """What tells the scenario's run on A from its run on B, one line each, naming exchange and path."""
    found = [f"outcome: A {a.outcome} vs B {b.outcome}"] if a.outcome != b.outcome else []
    for number, (x, y) in enumerate(zip_longest(a.exchanges, b.exchanges), 1):
        if x is None or y is None or x.request != y.request:
            found.append(f"exchange {number}: request: A {_request(x)} vs B {_request(y)}")
            break  # the runs took different steps: what follows does not pair up
        where = f"exchange {number} {x.request}"
        if x.status != y.status:
            found.append(f"{where}: status: A {x.status} vs B {y.status}")
        found += [f"{where}: {path}: A {_shown(p)} vs B {_shown(q)}"
                  for path, p, q in _diff(x.body, y.body, "", lambda p, q: _same(p, q, a.catalog, b.catalog))]
    return found


def _diff(a: Any, b: Any, path: str, same: Callable[[Any, Any], bool]) -> Iterator[tuple[str, Any, Any]]:
    if isinstance(a, dict) and isinstance(b, dict):
        for key in sorted(a.keys() | b.keys()):
            yield from _diff(a.get(key, ABSENT), b.get(key, ABSENT), f"{path}.{key}" if path else key, same)
    elif isinstance(a, list) and isinstance(b, list):
        for index in range(max(len(a), len(b))):
            yield from _diff(a[index] if index < len(a) else ABSENT, b[index] if index < len(b) else ABSENT,
                             f"{path}[{index}]", same)
    elif not same(a, b):
        yield path or "body", a, b


def _same(a: Any, b: Any, catalog_a: Catalog, catalog_b: Catalog) -> bool:
    if a == b and isinstance(a, bool) == isinstance(b, bool):  # 1 == 1.0, but True is not 1
        return True
    if not (isinstance(a, str) and isinstance(b, str)):
        return False
    parts_a, parts_b = URL_PARTS.split(a), URL_PARTS.split(b)  # a slug sits inside a URL
    return len(parts_a) == len(parts_b) and all(
        p == q or bool(catalog_a.place_of(p) & catalog_b.place_of(q)) for p, q in zip(parts_a, parts_b))


def _request(exchange: Exchange | None) -> str:
    return exchange.request if exchange is not None else "(none)"


def _shown(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    if isinstance(value, dict):
        return "{" + ", ".join(sorted(value)) + "}"
    if isinstance(value, list):
        return f"[{len(value)} items]"
    shown = json.dumps(value, ensure_ascii=False)
    return shown if len(shown) <= 160 else shown[:159] + "…"
