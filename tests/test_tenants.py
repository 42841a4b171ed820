"""Tenants (POST /_mock/tenants): each a world of its own under /t/{tenantId}, with its own merchant,
keys, ids, clock, PSP faults and journals; a reset of one resets it alone, and forty tests in
parallel, each in a tenant, never see each other."""

from __future__ import annotations

import re
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone

import pytest
import requests

from support import Client, MockServer, error_of

BILLING = {"country": "DE", "isBusiness": False}


def new_tenant(root: Client) -> Client:
    response = root.send("POST", "/_mock/tenants")
    assert response.status_code == 200, response.text
    creds = response.json()
    return Client(creds["baseUrl"], creds)


@pytest.fixture
def root(api) -> Client:
    return api


def paid_order(client: Client) -> str:
    """A one-time order of the client's world, paid on its PSP page: the order's id."""
    session = client.create_session()
    answer = client.create_order({"checkoutSessionId": session, "buyerEmail": "buyer@example.com", "billingDetail": BILLING})
    assert answer.status_code == 200, answer.text
    checkout_url = answer.json()["data"]["checkoutUrl"]
    assert checkout_url.startswith(client.base_url + "/psp/checkout/")
    paid = requests.post(checkout_url, data={"cardNumber": "4242424242424242", "cardExpiry": "12/39", "cardCvc": "123"},
                         allow_redirects=False, timeout=10)
    assert paid.status_code == 303, paid.text
    assert paid.headers["location"].startswith(client.base_url + "/psp/checkout/")  # the tenant's thank-you page
    [order] = client.control("GET", "/orders", params={"checkoutSessionId": session})["orders"]
    assert order["status"] == "completed"
    return order["id"]


def test_a_tenant_is_the_seeded_world_with_ids_and_keys_of_its_own(server, root):
    tenant = new_tenant(root)
    mine, theirs = tenant.credentials, server.credentials
    assert re.fullmatch(r"TEN_[0-9A-Za-z]{22}", mine["tenantId"])
    assert mine["baseUrl"] == f"{server.base_url}/t/{mine['tenantId']}"
    assert mine["merchantId"] != theirs["merchantId"]
    assert {k["privateKeyPem"] for k in mine["apiKeys"]}.isdisjoint(k["privateKeyPem"] for k in theirs["apiKeys"])
    assert mine["webhookPublicKey"] != theirs["webhookPublicKey"]
    ids = lambda creds: {store["id"] for store in creds["stores"]} | {p["id"] for s in creds["stores"] for p in s["products"]}
    assert ids(mine).isdisjoint(ids(theirs))
    catalog = lambda creds: sorted((s["name"], sorted(str((p["type"], p["name"], p["prices"])) for p in s["products"]))
                                   for s in creds["stores"])
    assert catalog(mine) == catalog(theirs)  # the seeded catalog
    again = root.send("GET", f"/_mock/tenants/{mine['tenantId']}").json()
    assert again == mine
    listed = root.send("GET", "/_mock/tenants").json()["tenants"]
    assert mine["tenantId"] in [entry["tenantId"] for entry in listed]


def test_a_tenant_takes_an_order_to_paid_under_its_own_base_url_alone(root):
    tenant = new_tenant(root)
    order_id = paid_order(tenant)
    assert tenant.control("GET", f"/orders/{order_id}")["status"] == "completed"
    assert root.send("GET", f"/_mock/orders/{order_id}").status_code == 404
    assert root.orders() == []
    assert [(call["operation"], call["outcome"]) for call in tenant.psp_calls()] == [
        ("create_checkout", "succeeded"), ("charge", "succeeded")]
    assert root.psp_calls() == []


def test_each_world_knows_only_its_own_merchant(server, root):
    tenant = new_tenant(root)
    strangers = [Client(tenant.base_url, server.credentials), Client(server.base_url, tenant.credentials)]
    for stranger in strangers:
        answer = stranger.signed("/v1/actions/checkout/create-session", {"productId": stranger.product()["id"], "currency": "USD"})
        assert answer.status_code == 401, answer.text
    token = tenant.issue_token()
    assert root.create_order({"checkoutSessionId": "cs_0", "billingDetail": BILLING}, token).status_code == 401


def test_clock_faults_and_resets_are_per_tenant(root):
    first, second = new_tenant(root), new_tenant(root)
    first.send("PUT", "/_mock/clock", json={"now": "2031-05-01T00:00:00Z"})
    first.psp_faults({"failNext": 1})
    assert first.send("GET", "/_mock/clock").json()["now"].startswith("2031-05-01")
    for other in (root, second):
        assert abs(other.send("GET", "/_mock/clock").json()["offsetSeconds"]) < 1
        assert other.send("GET", "/_mock/psp/faults").json()["failNext"] == 0
    second_order = paid_order(second)

    first.reset()  # that tenant alone
    assert abs(first.send("GET", "/_mock/clock").json()["offsetSeconds"]) < 1
    assert second.control("GET", f"/orders/{second_order}")["status"] == "completed"
    root.reset()  # the mock's own world: the tenants stay
    assert second.control("GET", f"/orders/{second_order}")["status"] == "completed"
    assert first.create_session()  # still a working world, with the same credentials


def test_a_deleted_tenant_answers_404_and_its_store_is_gone(server, root):
    tenant = new_tenant(root)
    tenant_id = tenant.credentials["tenantId"]
    assert root.send("DELETE", f"/_mock/tenants/{tenant_id}").json() == {"deleted": tenant_id}
    assert error_of(tenant.send("GET", "/_mock/clock", check=False)) == (404, "Tenant not found")
    assert error_of(root.send("DELETE", f"/_mock/tenants/{tenant_id}")) == (404, "Tenant not found")
    assert error_of(root.send("GET", f"/_mock/tenants/{tenant_id}")) == (404, "Tenant not found")
    assert tenant_id not in [entry["tenantId"] for entry in root.send("GET", "/_mock/tenants").json()["tenants"]]
    if not any(arg == "--database-url" for arg in server.process.args):  # its SQLite file goes once that commits
        store = server.data_dir / "tenants" / f"{tenant_id}.sqlite3"
        deadline = time.monotonic() + 5
        while store.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not store.exists()


@pytest.mark.parametrize("path", ["/t/TEN_0000000000000000000000/_mock/clock", "/t/nonsense/v1/graphql", "/t/"])
def test_an_unknown_tenant_is_a_404_in_the_envelope(server, path):
    answer = requests.get(server.base_url + path, timeout=10)
    assert answer.status_code == 404
    assert answer.json()["errors"][0]["message"] in ("Tenant not found", "Not found")


def test_tenants_are_made_only_at_the_mock_s_own_base_url(root):
    tenant = new_tenant(root)
    assert error_of(tenant.send("POST", "/_mock/tenants")) == (404, "Tenants are made and listed at the mock's own "
                                                                    "base URL, not a tenant's")


@pytest.fixture(scope="module")
def two_workers(tmp_path_factory, backend_args, request):
    backend = getattr(request, "param", "sqlite")
    with MockServer.start(tmp_path_factory.mktemp(f"tenants-{backend}"), "--workers", "2", *backend_args(backend)) as running:
        yield running


@pytest.mark.parametrize("two_workers", ["sqlite", "postgres"], indirect=True)
def test_forty_parallel_tests_each_in_a_tenant_never_meet(two_workers):
    """Forty clients at once, over two workers, each in a tenant of its own: each moves its clock,
    plans a PSP failure, and takes an order through a decline to paid; each sees exactly its own."""
    root = two_workers.client()
    start = datetime(2030, 1, 1, tzinfo=timezone.utc)
    barrier = threading.Barrier(40)

    def one_test(number: int) -> None:
        tenant = new_tenant(root)
        barrier.wait()  # all forty worlds are in use at once
        moment = start + timedelta(days=number)
        tenant.send("PUT", "/_mock/clock", json={"now": moment.isoformat()})
        tenant.psp_faults({"failNext": 1})
        session = tenant.create_session()
        failed = tenant.create_order({"checkoutSessionId": session, "buyerEmail": f"b{number}@example.com",
                                      "billingDetail": BILLING})
        assert error_of(failed) == (500, "Internal server error")  # its own planned failure, nobody else's
        order_id = paid_order(tenant)
        assert [order["id"] for order in tenant.orders()] == [order_id]
        assert [(call["operation"], call["outcome"]) for call in tenant.psp_calls()] == [
            ("create_checkout", "failed"), ("create_checkout", "succeeded"), ("charge", "succeeded")]
        now = datetime.fromisoformat(tenant.send("GET", "/_mock/clock").json()["now"].replace("Z", "+00:00"))
        assert moment <= now < moment + timedelta(minutes=5)

    with ThreadPoolExecutor(40) as pool:
        for outcome in [pool.submit(one_test, number) for number in range(40)]:
            outcome.result()
    assert root.orders() == []


def test_tenants_outlive_a_restart_and_a_new_worker_serves_them(tmp_path):
    with MockServer.start(tmp_path) as first:
        tenant = new_tenant(first.client())
        order_id = paid_order(tenant)
    with MockServer.start(tmp_path, "--workers", "2", port=first.port) as second:
        again = Client(tenant.base_url, tenant.credentials)
        for _ in range(4):  # either worker
            assert again.control("GET", f"/orders/{order_id}")["status"] == "completed"
        assert second.client().send("GET", f"/_mock/tenants/{tenant.credentials['tenantId']}").status_code == 200
