"""Test support: run the mock as a real server and talk to it as a client would.

Every response is checked against the contract (schemathesis' response validation), so a test
that drives an endpoint also proves the handler answers what the contract says.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar, Iterator
from urllib.parse import urlsplit

import httpx
import requests
import schemathesis

from pancake_mock import contract
from pancake_mock.adapters import keys
from pancake_mock.verify.client import Api

CONTRACTS = [schemathesis.openapi.from_dict(contract.load(spec)) for spec in (contract.API_SPEC, contract.CONTROL_SPEC)]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def check_contract(response: requests.Response) -> requests.Response:
    """Fail unless the contract documents this status and the body matches its schema."""
    path = urlsplit(response.request.url).path
    operation = next(filter(None, (schema.find_operation_by_path(response.request.method, path) for schema in CONTRACTS)), None)
    assert operation is not None, f"{response.request.method} {path} is not in the contract"
    operation.validate_response(response)
    return response


@dataclass
class MockServer:
    base_url: str
    data_dir: Path
    process: subprocess.Popen
    port: int

    interpreter: ClassVar[str] = sys.executable  # the Python whose pancake-mock is started

    @classmethod
    @contextmanager
    def start(cls, data_dir: Path, *extra: str, port: int | None = None,
              env: dict[str, str] | None = None) -> Iterator[MockServer]:
        server = cls.launch(data_dir, *extra, port=port, env=env)
        try:
            yield server
        finally:
            server.stop()

    @classmethod
    def launch(cls, data_dir: Path, *extra: str, port: int | None = None,
               env: dict[str, str] | None = None) -> MockServer:
        """The mock as a process of its own; `env` adds to the environment it inherits."""
        port = port or free_port()
        command = [cls.interpreter, "-m", "pancake_mock", "serve", "--port", str(port),
                   "--data-dir", str(data_dir), *extra]
        log = open(data_dir / f"server-{port}.log", "ab")
        process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
                                   env={**os.environ, **(env or {})})
        server = cls(f"http://127.0.0.1:{port}", data_dir, process, port)
        server._wait_ready()
        return server

    def _wait_ready(self, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"mock exited with {self.process.returncode}: {self.log_tail()}")
            try:  # uvicorn answers once the app is loaded and started: any answer means ready
                httpx.get(f"{self.base_url}/v1/actions/auth/issue-session-token", timeout=1)
                return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError(f"mock not ready within {timeout}s: {self.log_tail()}")

    def log_tail(self) -> str:
        logs = sorted(self.data_dir.glob(f"server-{self.port}.log"))
        return logs[-1].read_text(errors="replace")[-3000:] if logs else ""

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()

    @property
    def credentials(self) -> dict[str, Any]:
        return json.loads((self.data_dir / "credentials.json").read_text())

    def client(self) -> Client:
        return Client(self.base_url, self.credentials)


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
