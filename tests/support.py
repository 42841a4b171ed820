"""Test support: run the mock as a real server and talk to it as a client would.

Every response is checked against the contract (schemathesis' response validation), so a test
that drives an endpoint also proves the handler answers what the contract says.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
import schemathesis

from pancake_mock import contract
from pancake_mock import server as mock_server
from pancake_mock.adapters import keys
from pancake_mock.wire.control_guard import is_loopback
from pancake_mock.testing import MockProcess, free_port  # noqa: F401 (tests take free_port from here)
from pancake_mock.verify.client import Api

# A test's `record_property(SUMMARY, text)`: conftest prints the text once the run ends.
SUMMARY = "summary"

CONTRACTS = [schemathesis.openapi.from_dict(contract.load(spec)) for spec in contract.DOCUMENTS]
# A caller from another machine is simulated by connecting to this machine's own outward address:
# the mock then sees that address, not loopback, as the peer.
OUTWARD = mock_server.outward_address()
needs_outward_address = pytest.mark.skipif(
    OUTWARD is None or is_loopback(OUTWARD), reason="this machine has no non-loopback address to call from")


def check_contract(response: requests.Response) -> requests.Response:
    """Fail unless the contract documents this status and the body matches its schema."""
    path = re.sub(r"^/t/TEN_[0-9A-Za-z]{22}(?=/)", "", urlsplit(response.request.url).path)  # a tenant's: the same operations
    operation = next(filter(None, (schema.find_operation_by_path(response.request.method, path) for schema in CONTRACTS)), None)
    assert operation is not None, f"{response.request.method} {path} is not in the contract"
    operation.validate_response(response)
    return response


class MockServer(MockProcess):
    """The mock as a process of its own (pancake_mock.testing), with a checking client."""

    def client(self) -> Client:
        return Client(self.base_url, self.credentials)


BROKEN_MOCK = Path(__file__).with_name("broken_mock.py")


def broken(variant: str) -> type[MockServer]:
    """A MockServer that runs tests/broken_mock.py: the real mock with one thing broken (`variant`)."""

    class BrokenMock(MockServer):
        @classmethod
        def program(cls) -> list[str]:
            return [cls.interpreter, str(BROKEN_MOCK), variant]

    return BrokenMock


class Client(Api):
    """verify's client, with what tests need on top: every answer checked against the contract,
    exact control of the credential headers, and the control plane's shortcuts."""

    def send(self, method: str, path: str, *, check: bool = True, content: Any = None, **kwargs: Any):
        response = super().send(method, path, data=content, **kwargs)
        return check_contract(response) if check else response

    def signed(self, path: str, body: Any, *, environment: str | None = None, timestamp: int | None = None,
               raw: bytes | None = None, headers: dict[str, str] | None = None, check: bool = True):
        """A merchant call signed here rather than by `auth=`, so `headers` can override any credential."""
        content = raw if raw is not None else json.dumps(body).encode()
        stamp = str(timestamp if timestamp is not None else int(time.time()))
        signature = keys.sign(self.private_key(environment), keys.canonical_request("POST", path, stamp, content))
        sent = {"Content-Type": "application/json", "X-Merchant-Id": self.merchant_id,
                "X-Timestamp": stamp, "X-Signature": signature, **(headers or {})}
        return self.send("POST", path, content=content, headers=sent, check=check)

    def as_buyer(self, path: str, body: Any, token: str | None, *, environment: str | None = None,
                 raw: bytes | None = None, headers: dict[str, str] | None = None, check: bool = True):
        sent = {"Content-Type": "application/json", "X-Environment": environment or self.environment}
        if token is not None:
            sent["Authorization"] = f"Bearer {token}"
        content = raw if raw is not None else json.dumps(body).encode()
        return self.send("POST", path, content=content, headers={**sent, **(headers or {})}, check=check)

    # The control plane.

    def reset(self) -> None:
        assert self.send("POST", "/_mock/reset").status_code == 200

    def all_pages(self, path: str, name: str, **params: Any) -> list[dict[str, Any]]:
        """Every item of a paginated control-plane list, following nextCursor."""
        items, cursor = [], None
        while True:
            response = self.send("GET", path, params={"limit": 1000, **params, **({"cursor": cursor} if cursor else {})})
            assert response.status_code == 200, response.text
            page = response.json()
            items += page[name]
            cursor = page["nextCursor"]
            if cursor is None:
                return items

    def orders(self, session_id: str | None = None) -> list[dict[str, Any]]:
        return self.all_pages("/_mock/orders", "orders", **({"checkoutSessionId": session_id} if session_id else {}))

    def session_record(self, session_id: str) -> dict[str, Any]:
        response = self.send("GET", f"/_mock/checkout-sessions/{session_id}")
        assert response.status_code == 200, response.text
        return response.json()

    def psp_faults(self, plan: dict[str, Any] | None) -> dict[str, Any]:
        if plan is None:
            return self.send("DELETE", "/_mock/psp/faults").json()
        response = self.send("PUT", "/_mock/psp/faults", json=plan)
        assert response.status_code == 200, response.text
        return response.json()

    def psp_calls(self) -> list[dict[str, Any]]:
        return self.all_pages("/_mock/psp/calls", "calls")


def another_merchant(db: sqlite3.Connection) -> None:
    """A second merchant and its store `STO_other…`, written into a SQLite mock's file (the seed has one)."""
    db.execute("INSERT INTO merchants (id, name, created_at) VALUES ('MER_other000000000000000000', 'Other', "
               "'2026-01-01 00:00:00.000000')")
    db.execute("INSERT INTO stores (id, merchant_id, name, slug, status, prod_enabled, created_at, updated_at) VALUES "
               "('STO_other00000000000000000', 'MER_other000000000000000000', 'Other', 'other-store', 'active', 1, "
               "'2026-01-01 00:00:00.000000', '2026-01-01 00:00:00.000000')")


def error_of(response: requests.Response) -> tuple[int, str]:
    """(status, errors[0].message), after checking the envelope's shape."""
    body = response.json()
    assert body["data"] is None and body["errors"], body
    return response.status_code, body["errors"][0]["message"]
