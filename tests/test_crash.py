"""A `kill -9` never bricks the mock, never loses or invents anything.

The mock runs as a real process on a data dir of its own and is SIGKILLed: at random moments under
checkout load, and once at the exact step where an order, its payment and its PSP checkout are
written but not committed. After every restart on the same data dir a new checkout works, every
order a client saw acknowledged is there, every order has exactly one PSP checkout and no PSP
checkout exists without its order, and no idempotency key is held for the process that died.
"""

from __future__ import annotations

import itertools
import os
import random
import re
import signal
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import pytest
import requests

from pancake_mock.verify.client import TargetError
from support import Client, MockServer, error_of, free_port

KILLS = 20
CLIENTS = 4
LOAD_SECONDS = (0.2, 1.0)  # how long each round's load runs before the kill
SEED_VARIABLE = "PANCAKE_CRASH_SEED"  # set it to rerun the kill moments of a failed run
KILL_AT = "PANCAKE_MOCK_KILL_AT"
BEFORE_COMMIT = "createOnetimeOrder:before-commit"  # adapters/kill_switch: <operationId>:before-commit
BILLING = {"country": "DE", "isBusiness": False}
SESSION_INVALID = (409, "Checkout session invalid, please re-enter checkout")
IN_FLIGHT = (409, "Idempotent request is already being processed")


@dataclass
class Flow:
    """One buyer's checkout: a session, a token, then create-order under its own idempotency key."""

    number: int
    session: str | None = None
    sent: bool = False  # create-order went out
    interrupted: bool = False  # ... and its connection dropped before an answer
    ordered: bool = False  # the server said an order exists for the session
    checkout_url: str | None = None  # what a 200 from create-order answered
    problems: list[str] = field(default_factory=list)

    @property
    def buyer(self) -> str:
        return f"crash-{self.number}@example.com"

    @property
    def key(self) -> str:
        return f"crash-flow-{self.number}"

    def create_order(self, client: Client) -> requests.Response:
        """create-order with a fresh token: a token of a flow that crashed may have been consumed."""
        token = client.issue_token(buyer=self.buyer)
        body = {"checkoutSessionId": self.session, "billingDetail": BILLING}
        return client.create_order(body, token, headers={"X-Idempotency-Key": self.key})

    def acknowledge(self, response: requests.Response) -> None:
        self.ordered = True
        self.checkout_url = response.json()["data"]["checkoutUrl"]

    def run(self, client: Client) -> None:
        """The whole flow; transport errors (the server died) propagate."""
        try:
            self.session = client.create_session()
            self.sent = True
            response = self.create_order(client)
        except requests.RequestException:
            self.interrupted = self.sent
            raise
        except (TargetError, AssertionError) as refused:  # a refused step, or an answer off the contract
            self.problems.append(f"flow {self.number}: {refused}")
            return
        if response.status_code == 200:
            self.acknowledge(response)
        else:
            self.problems.append(f"flow {self.number}: create-order answered {response.status_code} {response.text}")


def _load(server: MockServer, flows: list[Flow], numbers: itertools.count) -> None:
    """Checkout flows one after another until the server dies."""
    client = server.client()
    while True:
        flow = Flow(next(numbers))
        flows.append(flow)
        try:
            flow.run(client)
        except requests.RequestException:
            return


def _retry(client: Client, flow: Flow) -> list[str]:
    """An interrupted create-order again, same idempotency key: a replay, a fresh order, or the
    seed's answer for a session the interrupted request did use; never a key still held."""
    try:
        response = flow.create_order(client)
    except TargetError as refused:
        return [f"flow {flow.number}: a token for the retry: {refused}"]
    if response.status_code == 200:
        flow.acknowledge(response)
        return []
    answer = error_of(response)
    if answer == SESSION_INVALID:
        flow.ordered = True
        return []
    if answer == IN_FLIGHT:
        return [f"flow {flow.number}: retry after the restart still answers 409 in flight: {response.text}"]
    return [f"flow {flow.number}: retry after the restart answered {response.status_code} {response.text}"]


def _inconsistencies(client: Client, flows: list[Flow]) -> list[str]:
    """Orders against PSP checkouts, both ways, and against what clients were told."""
    orders = client.all_pages("/_mock/orders", "orders")
    succeeded = [call for call in client.all_pages("/_mock/psp/calls", "calls") if call["outcome"] == "succeeded"]
    problems = []
    by_id = {order["id"]: order for order in orders}
    checkouts = Counter(call["request"]["orderId"] for call in succeeded)
    for call in succeeded:
        order = by_id.get(call["request"]["orderId"])
        if order is None:
            problems.append(f"PSP holds a succeeded checkout for order {call['request']['orderId']} (payment "
                            f"{call['request']['paymentId']}), which does not exist")
        elif (call["request"]["paymentId"], call["checkoutUrl"]) != (order["paymentId"], order["checkoutUrl"]):
            problems.append(f"order {order['id']} has payment {order['paymentId']} and {order['checkoutUrl']}, "
                            f"its PSP checkout {call['request']['paymentId']} and {call['checkoutUrl']}")
    for order in orders:
        if checkouts[order["id"]] != 1:
            problems.append(f"order {order['id']} has {checkouts[order['id']]} succeeded PSP checkouts, not 1")
    for payment, count in Counter(order["paymentId"] for order in orders).items():
        if count > 1:
            problems.append(f"payment {payment} belongs to {count} orders")
    by_session = {order["checkoutSessionId"]: order for order in orders}
    for flow in flows:
        order = by_session.get(flow.session)
        if flow.ordered and order is None:
            problems.append(f"flow {flow.number}: the order acknowledged for session {flow.session} is missing")
        elif flow.checkout_url and order["checkoutUrl"] != flow.checkout_url:
            problems.append(f"flow {flow.number}: acknowledged {flow.checkout_url}, "
                            f"the order has {order['checkoutUrl']}")
    return problems


def _fresh_flow(client: Client, number: int) -> Flow:
    """A new checkout on the restarted mock; what went wrong is in its `problems`."""
    flow = Flow(number)
    try:
        flow.run(client)
    except requests.RequestException as error:
        flow.problems.append(f"a new flow after the restart failed: {error!r}")
    return flow


def _report(problems: list[str], server: MockServer, headline: str) -> str:
    problems = list(dict.fromkeys(problems))  # a state check run twice finds the same things
    shown = "\n".join(f"  - {problem}" for problem in problems[:15])
    more = f"\n  ... and {len(problems) - 15} more" if len(problems) > 15 else ""
    raised = [line for line in server.log_tail().splitlines() if re.match(r"[\w.]+(Error|Exception)\b", line)]
    return f"{headline}: {len(problems)} problems\n{shown}{more}\nlast exceptions in the server log: {raised[-3:]}"


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_random_kills_under_load(tmp_path, backend, backend_args):
    seed = int(os.environ.get(SEED_VARIABLE) or random.randrange(2**32))
    moments = random.Random(seed)
    store, port = backend_args(backend), free_port()
    numbers = itertools.count()
    flows: list[Flow] = []
    server = MockServer.launch(tmp_path, *store, port=port)
    try:
        for kill in range(1, KILLS + 1):
            round_flows: list[Flow] = []
            clients = [threading.Thread(target=_load, args=(server, round_flows, numbers)) for _ in range(CLIENTS)]
            for thread in clients:
                thread.start()
            time.sleep(moments.uniform(*LOAD_SECONDS))
            os.killpg(server.process.pid, signal.SIGKILL)
            server.process.wait()
            for thread in clients:
                thread.join(timeout=30)
            assert not any(thread.is_alive() for thread in clients), "a client still runs after the kill"
            flows += round_flows
            server = MockServer.launch(tmp_path, *store, port=port)
            client = server.client()
            problems = [problem for flow in round_flows for problem in flow.problems]
            problems += _inconsistencies(client, flows)
            for flow in round_flows:
                if flow.interrupted:
                    problems += _retry(client, flow)
            fresh = _fresh_flow(client, next(numbers))
            flows.append(fresh)
            problems += fresh.problems
            headline = (f"{backend}, kill {kill} of {KILLS}, {len(round_flows)} flows in this round "
                        f"({sum(f.interrupted for f in round_flows)} interrupted in create-order), "
                        f"seed {seed} (rerun: {SEED_VARIABLE}={seed})")
            assert not problems, _report(problems, server, headline)
        problems = _inconsistencies(server.client(), flows)
        assert not problems, _report(problems, server, f"{backend}, after the last restart, seed {seed}")
        assert sum(flow.ordered for flow in flows) >= KILLS, "too little load to mean anything"
    finally:
        server.stop()


@pytest.mark.parametrize("backend", ["sqlite", "postgres"])
def test_a_kill_before_the_order_commits_leaves_nothing_behind(tmp_path, backend, backend_args):
    store, port = backend_args(backend), free_port()
    server = MockServer.launch(tmp_path, *store, port=port, env={KILL_AT: BEFORE_COMMIT})
    try:
        flow = Flow(0)
        with pytest.raises(requests.ConnectionError):
            flow.run(server.client())
        assert flow.interrupted, flow.problems
        assert server.process.wait(timeout=10) == -signal.SIGKILL, "the mock did not die at the kill point"
    finally:
        server.stop()

    server = MockServer.launch(tmp_path, *store, port=port)
    try:
        client = server.client()
        problems = []
        if orders := client.all_pages("/_mock/orders", "orders"):
            problems.append(f"orders of the uncommitted request exist: {[order['id'] for order in orders]}")
        problems += _inconsistencies(client, [])
        if (status := client.session_record(flow.session)["status"]) != "open":
            problems.append(f"the session is {status}, not open")
        retry = flow.create_order(client)
        if retry.status_code == 200:
            flow.acknowledge(retry)
            if retry.headers.get("X-Idempotent-Replayed"):
                problems.append("the retry replayed an answer no client ever got")
        elif error_of(retry) == IN_FLIGHT:
            problems.append(f"the retry with the same key still answers 409 in flight: {retry.text}")
        else:
            problems.append(f"the retry with the same key answered {retry.status_code} {retry.text}")
        if flow.ordered and len(client.orders(flow.session)) != 1:
            problems.append(f"the session has {len(client.orders(flow.session))} orders after the retry, not 1")
        fresh = _fresh_flow(client, 1)
        problems += fresh.problems
        problems += _inconsistencies(client, [flow, fresh])
        assert not problems, _report(problems, server, f"{backend}, after a kill at {BEFORE_COMMIT}")
    finally:
        server.stop()
