"""GraphQL reads (`POST /v1/graphql`, openapi/pancake.graphql) over HTTP on both stores: the
guide's queries read what the mock holds, filters and pages, who sees what, the bounds on abusive
queries, and a bounded number of statements however long a page is."""

from __future__ import annotations

import sqlite3
from datetime import datetime, timedelta, timezone
from decimal import Decimal

import pytest

from pancake_mock.adapters.store import SqlTransaction, Store, sqlite_url
from pancake_mock.domain import commands
from pancake_mock.domain.auth import MerchantPrincipal
from pancake_mock.wire.graphql import Reads
from pancake_mock.wire.pipeline import Call
from receiver import Receiver
from support import MockServer, another_merchant

GRAPHQL = "/v1/graphql"
BILLING = {"country": "DE", "isBusiness": False}
ORDER_DETAIL = """query ($id: ID!) {
  onetimeOrder(id: $id) {
    id buyerEmail currency status testMode orderMerchantExternalId
    priceSnapshot { currency subtotal taxAmount total taxCategory }
    billingDetail { country isBusiness postcode state businessName taxId }
    onetimeProduct { id name } productVersion { id versionNumber name }
    payments {
      id status refundStatus
      snapshotAmountDetails { currency subtotal taxAmount total taxCategory phase }
      cardInfo { brand last4 expMonth expYear } failureReason createdAt
      refunds { id status requestedAmountDetails { currency amount } createdAt }
    }
    createdAt updatedAt
  }
}"""


def query(api, text: str, variables: dict | None = None, **options) -> dict:
    answer = api.signed(GRAPHQL, {"query": text, "variables": variables}, **options)
    assert answer.status_code == 200, answer.text
    return answer.json()


def data(api, text: str, variables: dict | None = None, **options) -> dict:
    body = query(api, text, variables, **options)
    assert "errors" not in body, body
    return body["data"]


def as_buyer(api, token: str, text: str, variables: dict | None = None, environment: str = "test") -> dict:
    answer = api.as_buyer(GRAPHQL, {"query": text, "variables": variables}, token, environment=environment)
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def as_store(api, slug: str, text: str, environment: str = "test") -> dict:
    answer = api.send("POST", GRAPHQL, json={"query": text},
                      headers={"X-Store-Slug": slug, "X-Environment": environment})
    assert answer.status_code == 200, answer.text
    return answer.json()["data"]


def order_of(api, token: str | None = None, environment: str = "test", **session_fields) -> dict:
    session = api.create_session(environment=environment, **session_fields)
    token = token or api.issue_token(environment=environment)
    answer = api.create_order({"checkoutSessionId": session, "buyerEmail": "reader@example.com", "billingDetail": BILLING},
                              token, environment=environment)
    assert answer.status_code == 200, answer.text
    [order] = api.control("GET", "/orders", params={"checkoutSessionId": session})["orders"]
    return order


def pay(api, order: dict, **how) -> dict:
    return api.control("POST", f"/orders/{order['id']}/pay", json=how)


def test_an_order_paid_on_the_second_card_reads_as_the_mock_holds_it(api):
    order = order_of(api, orderMerchantExternalId="ORDER-2026-00891")
    pay(api, order, outcome="insufficient_funds")
    pay(api, order)
    held = api.control("GET", f"/orders/{order['id']}")

    for declared in ("ID!", "String!"):  # the guide declares ids both ways
        read = data(api, ORDER_DETAIL.replace("$id: ID!", f"$id: {declared}"), {"id": order["id"]})["onetimeOrder"]
        snapshot = held["priceSnapshot"]
        assert {k: read[k] for k in ("id", "buyerEmail", "currency", "status", "testMode", "orderMerchantExternalId")} == {
            "id": order["id"], "buyerEmail": "reader@example.com", "currency": held["currency"], "status": "completed",
            "testMode": True, "orderMerchantExternalId": "ORDER-2026-00891"}
        assert read["priceSnapshot"] == {"currency": held["currency"], "subtotal": snapshot["subtotal"],
                                         "taxAmount": snapshot["taxAmount"], "total": snapshot["total"],
                                         "taxCategory": snapshot["taxCategory"]}
        assert read["billingDetail"] == {"country": "DE", "isBusiness": False, "postcode": None, "state": None,
                                         "businessName": None, "taxId": None}
        assert read["onetimeProduct"]["id"] == held["productId"]
        assert read["productVersion"]["versionNumber"] == held["productVersion"]
        assert [(p["id"], p["status"], p["failureReason"]) for p in read["payments"]] == [
            (p["id"], p["status"], p["failureReason"]) for p in held["payments"]]
        failed, succeeded = read["payments"]
        assert failed["status"] == "failed" and failed["failureReason"] == "insufficient_funds"
        assert succeeded["cardInfo"] == held["payments"][1]["card"] and succeeded["refunds"] == []
        assert succeeded["snapshotAmountDetails"]["total"] == snapshot["total"]

    by_reference = data(api, """query ($ref: String!) {
        payments(filter: { orderMerchantExternalId: { eq: $ref } }) { id orderId status orderMerchantExternalId } }""",
                        {"ref": "ORDER-2026-00891"})["payments"]
    assert {(p["orderId"], p["status"], p["orderMerchantExternalId"]) for p in by_reference} == {
        (order["id"], "failed", "ORDER-2026-00891"), (order["id"], "succeeded", "ORDER-2026-00891")}


def test_the_guide_s_store_and_product_queries(api):
    stores = data(api, "query { stores { id name slug status supportEmail createdAt } storesCount }")
    assert {s["id"] for s in stores["stores"]} == {s["id"] for s in api.stores} and stores["storesCount"] == 2
    store = api.stores[0]
    one = data(api, "query ($id: ID!) { store(id: $id) { id name slug status } }", {"id": store["id"]})["store"]
    assert one == {"id": store["id"], "name": store["name"], "slug": store["slug"], "status": "active"}

    products = data(api, """query ($storeId: String!) {
        onetimeProducts(storeId: $storeId, filter: { status: { eq: "active" } }) {
          id name status prices { currency priceInfo { amount taxCategory } } hasProdVersion }
        subscriptionProducts(storeId: $storeId) { id name billingPeriod status prices { currency priceInfo { amount } } }
        onetimeProductsCount(storeId: $storeId) subscriptionProductsCount(storeId: $storeId)
        subscriptionProductGroups(storeId: $storeId) { id } }""", {"storeId": store["id"]})
    seeded = {p["id"]: p for p in store["products"]}
    for product in products["onetimeProducts"]:
        assert {p["currency"]: p["priceInfo"] for p in product["prices"]} == seeded[product["id"]]["prices"]
        assert product["name"] == seeded[product["id"]]["name"]
    assert {p["id"] for p in products["onetimeProducts"]} == {i for i, p in seeded.items() if p["type"] == "onetime"}
    assert {(p["id"], p["billingPeriod"]) for p in products["subscriptionProducts"]} == {
        (i, p["billingPeriod"]) for i, p in seeded.items() if p["type"] == "subscription"}
    assert (products["onetimeProductsCount"], products["subscriptionProductsCount"]) == (2, 2)
    assert products["subscriptionProductGroups"] == []

    product_id = products["onetimeProducts"][0]["id"]
    versions = data(api, """query ($productId: String!) {
        onetimeProductVersions(productId: $productId) { id versionNumber name isTestVersion isProdVersion } }""",
                    {"productId": product_id})["onetimeProductVersions"]
    assert [v["versionNumber"] for v in versions] == [1]
    merchant = data(api, "query ($id: ID!) { merchant(id: $id) { id name storeMerchants { role store { id } } "
                         "apiKeys { environment } } }", {"id": api.merchant_id})["merchant"]
    assert {m["store"]["id"] for m in merchant["storeMerchants"]} == {s["id"] for s in api.stores}
    assert sorted(k["environment"] for k in merchant["apiKeys"]) == ["prod", "test"]


def test_filters_pages_and_counts(api):
    store = api.stores[0]["id"]
    made = [order_of(api) for _ in range(5)]
    pay(api, made[0])
    pay(api, made[1])
    pages = [data(api, """query ($s: String!, $o: Int) { onetimeOrders(storeId: $s, limit: 2, offset: $o) { id createdAt } }""",
                  {"s": store, "o": offset})["onetimeOrders"] for offset in (0, 2, 4)]
    ids = [o["id"] for page in pages for o in page]
    assert [len(page) for page in pages] == [2, 2, 1] and sorted(ids) == sorted(o["id"] for o in made)
    assert [o["createdAt"] for page in pages for o in page] == sorted((o["createdAt"] for o in made), reverse=True)

    def count(filter_text: str) -> int:
        return data(api, f'query ($s: String!) {{ onetimeOrdersCount(storeId: $s, filter: {filter_text}) }}',
                    {"s": store})["onetimeOrdersCount"]

    assert count('{ status: { eq: "completed" } }') == 2 and count('{ status: { ne: "completed" } }') == 3
    assert count(f'{{ id: {{ in: ["{made[0]["id"]}", "{made[4]["id"]}", "ORD_none"] }} }}') == 2
    assert count('{ id: { startsWith: "ORD_" } }') == 5 and count('{ buyerEmail: { contains: "reader@" } }') == 5
    assert count('{ buyerEmail: { endsWith: "%" } }') == 0  # LIKE's wildcards are text here
    later = (datetime.now(timezone.utc) + timedelta(days=1)).isoformat()
    assert count(f'{{ createdAt: {{ gte: "{made[0]["createdAt"]}", lt: "{later}" }} }}') == 5
    assert count(f'{{ createdAt: {{ gt: "{later}" }} }}') == 0
    # A NUL reaches the store only through a GraphQL escape (a JSON body with one is refused
    # before): text no store holds matches nothing, and differs from everything.
    nul = data(api, 'query ($s: String!) { a: onetimeOrdersCount(storeId: $s, filter: { status: { eq: "x\\u0000" } }) '
                    'b: onetimeOrdersCount(storeId: $s, filter: { status: { ne: "x\\u0000" } }) }', {"s": store})
    assert nul == {"a": 0, "b": 5}
    refused = api.signed(GRAPHQL, {"query": "{ storesCount }", "variables": {"v": "x\x00"}})
    assert refused.status_code == 400
    paid = data(api, 'query { payments(filter: { status: { eq: "succeeded" } }) { orderId } paymentsCount }')
    assert {p["orderId"] for p in paid["payments"]} == {made[0]["id"], made[1]["id"]} and paid["paymentsCount"] == 5


def test_who_sees_what(api):
    buyer_token = api.issue_token(buyer="reader-a")
    own = order_of(api, buyer_token)
    pay(api, own)
    other = order_of(api, api.issue_token(buyer="reader-b"))
    in_prod = order_of(api, environment="prod")
    orders = 'query ($s: String!) { onetimeOrders(storeId: $s) { id } onetimeOrdersCount(storeId: $s) payments { orderId } }'
    store = {"s": api.stores[0]["id"]}

    mine = as_buyer(api, api.issue_token(buyer="reader-a"), orders, store)
    assert [o["id"] for o in mine["onetimeOrders"]] == [own["id"]] and mine["onetimeOrdersCount"] == 1
    assert [p["orderId"] for p in mine["payments"]] == [own["id"]]
    assert as_buyer(api, buyer_token, orders, store, environment="prod") == {
        "onetimeOrders": [], "onetimeOrdersCount": 0, "payments": []}
    detail = as_buyer(api, buyer_token, "query ($id: ID!) { onetimeOrder(id: $id) { id } }", {"id": other["id"]})
    assert detail == {"onetimeOrder": None}

    test_key = {o["id"] for o in data(api, orders, store)["onetimeOrders"]}
    prod_key = {o["id"] for o in data(api, orders, store, environment="prod")["onetimeOrders"]}
    assert test_key == {own["id"], other["id"]} and prod_key == {in_prod["id"]}

    sid = api.stores[0]["id"]
    public = as_store(api, api.stores[0]["slug"], f'query {{ stores {{ id }} onetimeProducts(storeId: "{sid}") {{ id }} '
                                                  f'onetimeOrders(storeId: "{sid}") {{ id }} payments {{ id }} storesCount }}')
    assert public["stores"] == [{"id": api.stores[0]["id"]}] and public["storesCount"] == 1
    assert len(public["onetimeProducts"]) == 2 and public["onetimeOrders"] == [] and public["payments"] == []
    hooks = 'query ($id: ID!) { store(id: $id) { storeWebhooks { id } } }'
    api.signed("/v1/actions/store/add-webhook", {"storeId": api.stores[0]["id"], "channel": "http",
                                                 "url": "http://127.0.0.1:9/x", "events": ["order.completed"], "testMode": True})
    assert len(data(api, hooks, {"id": api.stores[0]["id"]})["store"]["storeWebhooks"]) == 1
    assert as_buyer(api, buyer_token, hooks, {"id": api.stores[0]["id"]}) == {"store": {"storeWebhooks": []}}
    assert as_buyer(api, buyer_token, hooks, {"id": api.stores[1]["id"]}) == {"store": None}  # not the token's store


def test_another_merchant_s_data_never_shows(tmp_path):
    """A second merchant, its store and a copy of an order are written into a SQLite mock's file."""
    with MockServer.start(tmp_path) as server:
        api = server.client()
        order = order_of(api)
        payment = pay(api, order)["payment"]
        with sqlite3.connect(server.data_dir / "pancake.sqlite3") as db:
            another_merchant(db)
            for table, changes in (("orders", {"id": "ORD_other000000000000000000", "store_id": "STO_other00000000000000000",
                                               "checkout_session_id": "cs_other"}),
                                   ("payments", {"id": "PAY_other000000000000000000", "order_id": "ORD_other000000000000000000"})):
                columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
                key = "id" if table == "orders" else "order_id"
                [row] = db.execute(f"SELECT * FROM {table} WHERE {key} = ?", (order["id"],)).fetchall()
                copy = {**dict(zip(columns, row)), **changes}
                db.execute(f"INSERT INTO {table} VALUES ({', '.join('?' * len(columns))})", [copy[c] for c in columns])
        read = data(api, """query { stores { id } storesCount
            store(id: "STO_other00000000000000000") { id }
            onetimeOrder(id: "ORD_other000000000000000000") { id }
            onetimeOrders(storeId: "STO_other00000000000000000") { id }
            webhookDeliveries(storeId: "STO_other00000000000000000") { id }
            payments { id } paymentsCount }""")
    assert read["store"] is None and read["onetimeOrder"] is None and read["onetimeOrders"] == []
    assert "STO_other00000000000000000" not in {s["id"] for s in read["stores"]} and read["storesCount"] == 2
    assert read["webhookDeliveries"] == [] and read["paymentsCount"] == 1
    assert [p["id"] for p in read["payments"]] == [payment["id"]]


def test_webhook_deliveries_read_back(api):
    with Receiver.running(statuses=[503]) as receiver:
        api.signed("/v1/actions/store/add-webhook", {"storeId": api.stores[0]["id"], "channel": "http",
                                                     "url": receiver.url, "events": ["order.completed"], "testMode": True})
        order = order_of(api)
        payment = pay(api, order)["payment"]
        receiver.wait_for(1)
        text = """query ($s: String!) {
            webhookDeliveries(storeId: $s, limit: 20, filter: { status: { eq: "pending" } }) {
              id storeId eventType eventId payload webhookUrl status httpStatus responseBody attemptCount lastAttemptedAt createdAt }
            webhookDeliveriesCount(storeId: $s, filter: { status: { eq: "pending" } }) }"""
        for _ in range(100):
            read = data(api, text, {"s": api.stores[0]["id"]})
            if read["webhookDeliveries"] and read["webhookDeliveries"][0]["attemptCount"] == 1:
                break
    [delivery] = read["webhookDeliveries"]
    assert read["webhookDeliveriesCount"] == 1
    assert {k: delivery[k] for k in ("eventType", "eventId", "webhookUrl", "status", "httpStatus", "responseBody")} == {
        "eventType": "order.completed", "eventId": payment["id"], "webhookUrl": receiver.url, "status": "pending",
        "httpStatus": 503, "responseBody": "answer 503"}
    assert delivery["payload"]["data"]["orderId"] == order["id"] and delivery["lastAttemptedAt"] is not None
    assert data(api, text, {"s": api.stores[0]["id"]}, environment="prod")["webhookDeliveries"] == []


def test_errors_are_graphql_s_and_bounds_hold(api):
    mutation = api.signed(GRAPHQL, {"query": "mutation { createStore(name: \"x\") { id } }"})
    assert mutation.status_code == 403
    assert mutation.json() == {"data": None, "errors": [
        {"message": "Mutations are not supported: GraphQL is query-only", "layer": "graphql"}]}
    assert api.signed(GRAPHQL, {"query": "subscription { orders { id } }"}).status_code == 403

    syntax = query(api, "{ stores { id }")
    assert syntax["data"] is None and syntax["errors"][0]["layer"] == "graphql" and syntax["errors"][0]["locations"]
    unknown = query(api, "{ stores { nope } }")
    assert unknown["data"] is None and "nope" in unknown["errors"][0]["message"]
    nested = "id"
    for _ in range(8):  # onetimeOrders, then 16 more levels: 17 deep
        nested = f"payments {{ onetimeOrder {{ {nested} }} }}"
    deep = f'{{ onetimeOrders(storeId: "x") {{ {nested} }} }}'
    assert query(api, deep)["errors"][0]["message"] == "Query is too deep: at most 15 levels of fields"
    aliases = "{ " + " ".join(f"a{n}: storesCount" for n in range(31)) + " }"
    assert query(api, aliases)["errors"][0]["message"] == "Query has too many aliases: at most 30"
    assert "errors" not in query(api, "{ " + " ".join(f"a{n}: storesCount" for n in range(30)) + " }")
    huge = query(api, "{ " + "a " * 10_001 + "}")  # within the contract's 100,000 characters
    assert huge["data"] is None and "tokens" in huge["errors"][0]["message"]
    for bounds, message in (("limit: 0", "limit must be between 1 and 100"), ("limit: 101", "limit must be between 1 and 100"),
                            ("offset: -1", "offset must not be negative")):
        answer = query(api, f'{{ stores({bounds}) {{ id }} }}')
        assert answer["data"] is None and answer["errors"][0]["message"] == message
        assert answer["errors"][0]["path"] == ["stores"]
    bad_time = query(api, '{ storesCount(filter: { createdAt: { gt: "yesterday" } }) }')
    assert bad_time["data"] is None and "ISO 8601" in bad_time["errors"][0]["message"]

    fields = data(api, "{ __schema { queryType { fields { name } } } }")["__schema"]["queryType"]["fields"]
    assert {"stores", "onetimeOrder", "payments", "webhookDeliveries", "merchant"} <= {f["name"] for f in fields}
    order_type = data(api, '{ __type(name: "OnetimeOrder") { fields { name } } }')["__type"]["fields"]
    assert {"priceSnapshot", "payments", "testMode"} <= {f["name"] for f in order_type}
    assert api.send("POST", GRAPHQL, json={"query": "{ storesCount }"}).status_code == 401  # no credential


def test_a_page_of_orders_costs_the_same_statements_whatever_its_length(tmp_path):
    text = """query ($s: String!, $n: Int) { onetimeOrders(storeId: $s, limit: $n) {
        id store { name } onetimeProduct { name store { slug } } productVersion { name }
        payments { id cardInfo { last4 } onetimeOrder { id } } } }"""
    with MockServer.start(tmp_path) as server:
        api = server.client()
        for _ in range(12):
            pay(api, order_of(api))
        store = Store(sqlite_url(str(tmp_path / "pancake.sqlite3")))
        statements = []
        original = SqlTransaction.rows

        def counted(self, statement, params=None):
            statements.append(statement)
            return original(self, statement, params)

        def run(limit: int) -> int:
            statements.clear()
            with pytest.MonkeyPatch.context() as patch, store.snapshot() as tx:
                patch.setattr(SqlTransaction, "rows", counted)
                answer = Reads().graphql_query(Call(tx, datetime.now(timezone.utc),
                                                    MerchantPrincipal(api.merchant_id, "test"), world=None),
                                               commands.GraphqlQuery(text, {"s": api.stores[0]["id"], "n": limit}))
            assert "errors" not in answer and len(answer["data"]["onetimeOrders"]) == limit
            return len(statements)

        assert run(2) == run(12) <= 8
        store.engine.dispose()


def test_analytics_aggregate_what_the_orders_hold(api):
    """Four orders: two paid in EUR by one buyer (visa, then mastercard), one pending in EUR after
    a decline, one paid in USD; the analytics over a day around now say exactly that."""
    def made(buyer: str, currency: str, billing: dict, *payments: dict) -> dict:
        session = api.create_session(currency=currency)
        answer = api.create_order({"checkoutSessionId": session, "buyerEmail": buyer, "billingDetail": billing},
                                  api.issue_token(buyer=buyer))
        assert answer.status_code == 200, answer.text
        [order] = api.control("GET", "/orders", params={"checkoutSessionId": session})["orders"]
        for how in payments:
            pay(api, order, **how)
        return api.control("GET", f"/orders/{order['id']}")

    visa, mastercard = {"cardNumber": "4242424242424242"}, {"cardNumber": "5555555555554444"}
    first = made("repeat@example.com", "EUR", BILLING, visa)
    second = made("repeat@example.com", "EUR", BILLING, mastercard)
    made("declined@example.com", "EUR", {"country": "FR", "isBusiness": False}, {"outcome": "insufficient_funds"})
    dollars = made("usd@example.com", "USD", {"country": "US", "isBusiness": False, "state": "CA"}, visa)
    now = datetime.now(timezone.utc)
    span = f'{{ timeRange: {{ startDate: "{(now - timedelta(days=1)).isoformat()}", endDate: "{(now + timedelta(days=1)).isoformat()}" }} }}'
    read = data(api, f"""query ($s: ID!) {{
      orderStatistics(storeId: $s, filter: {span}) {{
        totalCount countsByStatus {{ status count }} revenueByCurrency {{ currency totalAmount paymentCount }}
        buyerMetrics {{ totalBuyers newBuyers returningBuyers }} ordersByCountry {{ country count }}
        revenueByState(country: "US", currency: "usd") {{ state totalAmount paymentCount }} }}
      paymentStatistics(storeId: $s, filter: {span}) {{
        successRate {{ totalAttempts succeeded failed pending successRate }} failedReasons {{ reason count percentage }}
        cardBrandDistribution {{ brand count }} }}
      productStatistics(storeId: $s, filter: {span}) {{ onetimeTotalCount topByOrderCount(limit: 1) {{ orderCount }} }}
      distributionAnalysis(storeId: $s, filter: {span}) {{ orderAmountPercentiles(currency: "eur") {{ min max count }} }}
      customerAnalysis(storeId: $s, filter: {span}) {{ purchaseFrequency {{ purchaseCount customerCount }}
        topCustomers(currency: "eur", limit: 1) {{ buyerEmail totalSpent orderCount }} }}
      taxAnalysis(storeId: $s, filter: {span}) {{ byCountry(currency: "eur") {{ country totalTax paymentCount }} }}
      subscriptionAnalysis(storeId: $s, filter: {span}) {{ activeCount trialConversion {{ totalTrials }} }}
      refundTicketAnalysis(storeId: $s, filter: {span}) {{ approvalRate {{ rate }} }}
    }}""", {"s": api.stores[0]["id"]})

    eur = [first, second]
    total = lambda orders: f"{sum(Decimal(o['priceSnapshot']['total']) for o in orders):.2f}"  # noqa: E731
    orders = read["orderStatistics"]
    assert orders["totalCount"] == 4
    assert orders["countsByStatus"] == [{"status": "completed", "count": 3}, {"status": "pending", "count": 1}]
    assert orders["revenueByCurrency"] == [{"currency": "EUR", "totalAmount": total(eur), "paymentCount": 2},
                                           {"currency": "USD", "totalAmount": total([dollars]), "paymentCount": 1}]
    assert orders["buyerMetrics"] == {"totalBuyers": 3, "newBuyers": 3, "returningBuyers": 0}
    assert orders["ordersByCountry"] == [{"country": "DE", "count": 2}, {"country": "FR", "count": 1},
                                         {"country": "US", "count": 1}]
    assert orders["revenueByState"] == [{"state": "CA", "totalAmount": total([dollars]), "paymentCount": 1}]
    payments = read["paymentStatistics"]
    assert payments["successRate"] == {"totalAttempts": 4, "succeeded": 3, "failed": 1, "pending": 0, "successRate": 0.75}
    assert payments["failedReasons"] == [{"reason": "insufficient_funds", "count": 1, "percentage": 100.0}]
    assert payments["cardBrandDistribution"] == [{"brand": "mastercard", "count": 1}, {"brand": "visa", "count": 2}]
    assert read["productStatistics"] == {"onetimeTotalCount": 2, "topByOrderCount": [{"orderCount": 4}]}
    amounts = sorted(float(o["priceSnapshot"]["total"]) for o in eur)
    assert read["distributionAnalysis"]["orderAmountPercentiles"] == {"min": amounts[0], "max": amounts[1], "count": 2}
    customers = read["customerAnalysis"]
    assert customers["purchaseFrequency"] == [{"purchaseCount": 1, "customerCount": 2}, {"purchaseCount": 2, "customerCount": 1}]
    assert customers["topCustomers"] == [{"buyerEmail": "repeat@example.com", "totalSpent": total(eur), "orderCount": 2}]
    tax = f"{sum(Decimal(o['priceSnapshot']['taxAmount']) for o in eur):.2f}"
    assert read["taxAnalysis"]["byCountry"] == [{"country": "DE", "totalTax": tax, "paymentCount": 2}]
    assert read["subscriptionAnalysis"] == {"activeCount": 0, "trialConversion": {"totalTrials": 0}}
    assert read["refundTicketAnalysis"] == {"approvalRate": {"rate": 0.0}}

    outside = data(api, 'query ($s: ID!) { orderStatistics(storeId: $s, filter: { timeRange: { startDate: "2020-01-01", '
                        'endDate: "2021-01-01" } }) { totalCount } }', {"s": api.stores[0]["id"]})
    assert outside == {"orderStatistics": {"totalCount": 0}}
    buyer = as_buyer(api, api.issue_token(buyer="repeat@example.com"), f"query ($s: ID!) {{ orderStatistics(storeId: $s, "
                     f"filter: {span}) {{ totalCount }} }}", {"s": api.stores[0]["id"]})
    assert buyer == {"orderStatistics": None}  # a merchant's figures only
