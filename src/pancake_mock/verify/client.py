"""A client of a Pancake deployment, from the credentials a team already has.

The credentials file has the shape of the mock's `credentials.json` (merchantId, apiKeys per
environment, stores with their products). Every request goes through one throttle, so `--safe`
bounds the rate of everything verify sends, hooks and scenarios included.
"""

from __future__ import annotations

import json
import secrets
import threading
import time
from collections.abc import Callable
from functools import cached_property
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import requests

from .signing import MerchantSignature

ISSUE_TOKEN = "/v1/actions/auth/issue-session-token"
CREATE_SESSION = "/v1/actions/checkout/create-session"
CREATE_STORE = "/v1/actions/store/create-store"
GRAPHQL = "/v1/graphql"
CONTROL = "/_mock"


class TargetError(Exception):
    """The target refused a step that verify needs in order to test something else."""


class Throttle:
    def __init__(self, per_second: float | None):
        self.interval = 1 / per_second if per_second else 0.0
        self._next = 0.0
        self._lock = threading.Lock()

    def wait(self) -> None:
        if not self.interval:
            return
        with self._lock:
            now = time.monotonic()
            delay = self._next - now
            self._next = max(now, self._next) + self.interval
        if delay > 0:
            time.sleep(delay)


def load_credentials(path: Path) -> dict[str, Any]:
    credentials = json.loads(path.read_text(encoding="utf-8"))
    missing = [key for key in ("merchantId", "apiKeys", "stores") if key not in credentials]
    if missing:
        raise ValueError(f"{path}: missing {', '.join(missing)} (expected the shape of the mock's credentials.json)")
    return credentials


class Api:
    """Speaks the API the way the SDK and a hosted checkout page do."""

    def __init__(self, base_url: str, credentials: dict[str, Any], *, environment: str = "test",
                 throttle: Throttle | None = None, timeout: float = 30,
                 observer: Callable[[requests.Response], None] | None = None):
        self.base_url = base_url.rstrip("/")
        self.credentials = credentials
        self.environment = environment
        self.throttle = throttle or Throttle(None)
        self.timeout = timeout
        self.observer = observer  # sees every answer, in order (parity records them)
        self.http = requests.Session()
        self._signers: dict[str, MerchantSignature] = {}

    # The seeded world, as the credentials describe it.

    @property
    def merchant_id(self) -> str:
        return self.credentials["merchantId"]

    def private_key(self, environment: str | None = None) -> str:
        wanted = environment or self.environment
        for key in self.credentials["apiKeys"]:
            if key["environment"] == wanted:
                return key["privateKeyPem"]
        raise TargetError(f"the credentials hold no {wanted} API key")

    def has_key(self, environment: str) -> bool:
        return any(key["environment"] == environment for key in self.credentials["apiKeys"])

    @property
    def stores(self) -> list[dict[str, Any]]:
        return self.credentials["stores"]

    def products(self, product_type: str, store: int = 0) -> list[dict[str, Any]]:
        return [p for p in self.stores[store]["products"] if p["type"] == product_type]

    def product(self, product_type: str = "onetime", store: int = 0) -> dict[str, Any]:
        found = self.products(product_type, store)
        if not found:
            raise TargetError(f"store {store} in the credentials has no {product_type} product")
        return found[0]

    def signer(self, environment: str | None = None) -> MerchantSignature:
        wanted = environment or self.environment
        if wanted not in self._signers:
            self._signers[wanted] = MerchantSignature(self.merchant_id, self.private_key(wanted), urlsplit(self.base_url).path)
        return self._signers[wanted]

    # Raw HTTP.

    def send(self, method: str, path: str, **kwargs: Any) -> requests.Response:
        self.throttle.wait()
        response = self.http.request(method, self.base_url + path, timeout=self.timeout, **kwargs)
        if self.observer is not None:
            self.observer(response)
        return response

    def signed(self, path: str, body: Any, *, environment: str | None = None, raw: bytes | None = None,
               headers: dict[str, str] | None = None) -> requests.Response:
        content = raw if raw is not None else json.dumps(body).encode()
        sent = {"Content-Type": "application/json", **(headers or {})}
        return self.send("POST", path, data=content, headers=sent, auth=self.signer(environment))

    def as_buyer(self, path: str, body: Any, token: str | None, *, environment: str | None = None,
                 raw: bytes | None = None, headers: dict[str, str] | None = None) -> requests.Response:
        sent = {"Content-Type": "application/json", "X-Environment": environment or self.environment}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        content = raw if raw is not None else json.dumps(body).encode()
        return self.send("POST", path, data=content, headers={**sent, **(headers or {})})

    def graphql(self, query: str, variables: dict[str, Any] | None = None, *,
                token: str | None = None, environment: str | None = None) -> requests.Response:
        """A read through POST /v1/graphql: merchant-signed, or with a buyer's session token."""
        body = {"query": query, "variables": variables}
        if token is not None:
            return self.as_buyer(GRAPHQL, body, token, environment=environment)
        return self.signed(GRAPHQL, body, environment=environment)

    # The checkout flow, step by step.

    def issue_token(self, *, buyer: str = "verify-buyer", store: int = 0, role: str = "customer",
                    environment: str | None = None, **scope: str) -> str:
        """A token for store number `store` of the credentials, or for the storeId / productId given."""
        body = {"buyerIdentity": buyer, "role": role, **(scope or {"storeId": self.stores[store]["id"]})}
        return self._data(self.signed(ISSUE_TOKEN, body, environment=environment), "issue a session token")["token"]

    def create_session(self, product_id: str | None = None, currency: str | None = None, *,
                       environment: str | None = None, **fields: Any) -> str:
        """A session for the product (default: the first one-time product) in the given currency
        (default: the first the credentials list for it)."""
        product_id = product_id or self.product()["id"]
        body = {"productId": product_id, "currency": currency or self._first_currency(product_id), **fields}
        return self._data(self.signed(CREATE_SESSION, body, environment=environment), "create a checkout session")["sessionId"]

    def create_order(self, body: Any, token: str | None = None, *, kind: str = "onetime",
                     environment: str | None = None, **options: Any) -> requests.Response:
        token = token or self.issue_token(environment=environment)
        return self.as_buyer(f"/v1/actions/{kind}-order/create-order", body, token, environment=environment, **options)

    # Fresh stores and products, for what may change or delete them.

    def create_store(self, name: str = "verify store") -> dict[str, Any]:
        return self._data(self.signed(CREATE_STORE, {"name": name}), "create a store")["store"]

    def create_product(self, kind: str = "onetime", **fields: Any) -> dict[str, Any]:
        """A `kind` product in the credentials' first store, at USD 10.00 unless `fields` say otherwise."""
        body = {"storeId": self.stores[0]["id"], "name": f"verify {kind} {secrets.token_hex(3)}",
                "prices": {"USD": {"amount": "10.00", "taxCategory": "saas"}}, **fields}
        if kind == "subscription":
            body.setdefault("billingPeriod", "monthly")
        return self._data(self.signed(f"/v1/actions/{kind}-product/create-product", body), f"create a {kind} product")["product"]

    def _first_currency(self, product_id: str) -> str:
        for store in self.stores:
            for product in store["products"]:
                if product["id"] == product_id:
                    return next(iter(product["prices"]))
        raise TargetError(f"{product_id} is not a product of the credentials")

    @staticmethod
    def _data(response: requests.Response, step: str) -> dict[str, Any]:
        if response.status_code != 200:
            raise TargetError(f"could not {step}: HTTP {response.status_code} {error_message(response)!r}")
        return response.json()["data"]

    # The mock's control plane, when the target has one.

    @property
    def control_headers(self) -> dict[str, str]:
        """A mock listening beyond loopback guards its control plane with the token of its credentials."""
        token = self.credentials.get("controlToken")
        return {"X-Control-Token": token} if token else {}

    @cached_property
    def has_control_plane(self) -> bool:
        try:
            return self.send("GET", f"{CONTROL}/psp/faults", headers=self.control_headers).status_code == 200
        except requests.RequestException:
            return False

    def control(self, method: str, path: str, **kwargs: Any) -> Any:
        response = self.send(method, CONTROL + path, headers=self.control_headers, **kwargs)
        if response.status_code != 200:
            raise TargetError(f"control plane {method} {path}: HTTP {response.status_code}")
        return response.json()


def error_message(response: requests.Response) -> str | None:
    """errors[0].message of an error envelope, or None when the body is not one."""
    try:
        errors = response.json().get("errors")
        return errors[0]["message"] if errors else None
    except (ValueError, AttributeError, LookupError, TypeError):
        return None
