"""pancake-mock from Python tests: a real mock in a process of its own, and each of its worlds (the
mock's own, or a tenant's) with a signed merchant client and the control plane as methods.

The pytest plugin (`pancake_mock.pytest_plugin`) hands these out as fixtures; they work without
pytest as well:

    with MockProcess.start(Path("/tmp/mock")) as process:
        mock = PancakeMock(process)
        tenant = mock.new_tenant()
        session = tenant.merchant.create_session()
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, ClassVar

import httpx

from .verify.client import Api, TargetError


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class MockProcess:
    """`pancake-mock serve` on a free loopback port, in a data dir of its own."""

    base_url: str
    data_dir: Path
    process: subprocess.Popen
    port: int

    interpreter: ClassVar[str] = sys.executable  # the Python whose pancake-mock is started

    @classmethod
    def program(cls) -> list[str]:
        """The command that `serve` follows (a test's sabotaged mock is another)."""
        return [cls.interpreter, "-m", "pancake_mock"]

    @classmethod
    @contextmanager
    def start(cls, data_dir: Path, *extra: str, port: int | None = None,
              env: dict[str, str] | None = None) -> Iterator[MockProcess]:
        server = cls.launch(data_dir, *extra, port=port, env=env)
        try:
            yield server
        finally:
            server.stop()

    @classmethod
    def launch(cls, data_dir: Path, *extra: str, port: int | None = None,
               env: dict[str, str] | None = None) -> MockProcess:
        """The mock as a process of its own; `env` adds to the environment it inherits."""
        port = port or free_port()
        data_dir.mkdir(parents=True, exist_ok=True)
        command = [*cls.program(), "serve", "--port", str(port), "--data-dir", str(data_dir), *extra]
        with open(data_dir / f"server-{port}.log", "ab") as log:
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


class World:
    """One world of a mock, as a test uses it: its credentials, `merchant` (a client that signs
    each request as the SDK does), and its control plane. Everything here sees this world alone."""

    def __init__(self, credentials: dict[str, Any]):
        self.credentials = credentials
        self.base_url: str = credentials["baseUrl"]
        self.merchant = Api(self.base_url, credentials)

    @property
    def merchant_id(self) -> str:
        return self.credentials["merchantId"]

    def private_key(self, environment: str = "test") -> str:
        return self.merchant.private_key(environment)

    def product(self, product_type: str = "onetime", store: int = 0) -> dict[str, Any]:
        """The first product of that type (onetime or subscription) in the world's store number `store`."""
        return self.merchant.product(product_type, store)

    # The control plane.

    def reset(self) -> None:
        """Back to the seeded state: the same ids, keys and credentials."""
        self.merchant.control("POST", "/reset")

    def now(self) -> datetime:
        """Business time."""
        return _moment(self.merchant.control("GET", "/clock")["now"])

    def travel(self, to: datetime | str) -> datetime:
        """Business time jumps to `to` (a datetime, or ISO 8601 text)."""
        moment = to.isoformat() if isinstance(to, datetime) else to
        return _moment(self.merchant.control("PUT", "/clock", json={"now": moment})["now"])

    def advance(self, seconds: float) -> datetime:
        """Business time moves on; renewals, retries and refunds due meanwhile happen, in order."""
        return _moment(self.merchant.control("PUT", "/clock", json={"advanceSeconds": seconds})["now"])

    def reset_clock(self) -> None:
        self.merchant.control("DELETE", "/clock")

    def psp_faults(self, *, fail_next: int | None = None, fail_probability: float | None = None,
                   seed: int | None = None, latency_ms: int | None = None) -> dict[str, Any]:
        """Plan the fake PSP's failures and latency, replacing the plan in force; with nothing given, the plan in force."""
        plan = {name: value for name, value in (("failNext", fail_next), ("failProbability", fail_probability),
                                                ("seed", seed), ("latencyMs", latency_ms)) if value is not None}
        return self.merchant.control("PUT", "/psp/faults", json=plan) if plan else self.merchant.control("GET", "/psp/faults")

    def clear_psp_faults(self) -> None:
        self.merchant.control("DELETE", "/psp/faults")

    def pay(self, order_id: str, *, card: str | None = None, outcome: str | None = None) -> dict[str, Any]:
        """Pay a pending order as its PSP page would: by card number (the test cards decide), or by
        `outcome` (succeeded, card_declined, …); neither pays with 4242 4242 4242 4242."""
        body = {name: value for name, value in (("cardNumber", card), ("outcome", outcome)) if value is not None}
        return self.merchant.control("POST", f"/orders/{order_id}/pay", json=body)

    def order(self, order_id: str) -> dict[str, Any]:
        """One order with its payments."""
        return self.merchant.control("GET", f"/orders/{order_id}")

    def orders(self, **filters: str) -> list[dict[str, Any]]:
        """Every order, oldest first (filters: checkoutSessionId, status)."""
        return self._all("/orders", "orders", filters)

    def checkout_session(self, session_id: str) -> dict[str, Any]:
        return self.merchant.control("GET", f"/checkout-sessions/{session_id}")

    def deliveries(self, **filters: str) -> list[dict[str, Any]]:
        """Every webhook delivery, oldest first (filters: storeId, eventType, status)."""
        return self._all("/webhooks/deliveries", "deliveries", filters)

    def psp_calls(self) -> list[dict[str, Any]]:
        """The fake PSP's journal, oldest first."""
        return self._all("/psp/calls", "calls", {})

    def _all(self, path: str, name: str, filters: dict[str, str]) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        cursor = None
        while True:
            page = self.merchant.control("GET", path, params={"limit": 1000, **filters, **({"cursor": cursor} if cursor else {})})
            items += page[name]
            cursor = page["nextCursor"]
            if cursor is None:
                return items


class Tenant(World):
    """A tenant's world: made by `PancakeMock.new_tenant()`, gone after `delete()`."""

    def __init__(self, mock: PancakeMock, credentials: dict[str, Any]):
        super().__init__(credentials)
        self.tenant_id: str = credentials["tenantId"]
        self._mock = mock

    def delete(self) -> None:
        self._mock.merchant.control("DELETE", f"/tenants/{self.tenant_id}")


class PancakeMock(World):
    """A running mock: its own world, and the tenants it makes."""

    def __init__(self, process: MockProcess):
        super().__init__(process.credentials)
        self.process = process

    def new_tenant(self) -> Tenant:
        """A fresh merchant in a world of its own (the seeded catalog, new ids and keys, its own clock,
        PSP faults and journals)."""
        return Tenant(self, self.merchant.control("POST", "/tenants"))


def _moment(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


__all__ = ["MockProcess", "PancakeMock", "Tenant", "TargetError", "World", "free_port"]
