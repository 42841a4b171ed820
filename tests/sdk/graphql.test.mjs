// GraphQL reads through the official SDK's client.graphql.query and customer(...).graphql.query:
// every example query of the SDK's own docs/graphql-guide.md, read out of the installed package
// and run as it is written (its placeholders replaced by the mock's ids), after an order was paid
// on the PSP's payment page.

import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { before, test } from "node:test";

import {
  createOrder, merchantId, opaqueBuyer, ordersOf, sdkClient, seededProduct, stores,
} from "./helpers.mjs";

const client = sdkClient();
// The package exports no docs path: the guide sits beside its resolved entry point, in dist/'s parent.
const guidePath = join(dirname(createRequire(import.meta.url).resolve("@waffo/pancake-ts")), "..", "docs",
  "graphql-guide.md");

/** Every `query: \`...\`` of the guide, with the `variables: {...}` written beside it. */
function guideQueries() {
  const text = readFileSync(guidePath, "utf8");
  return [...text.matchAll(/query:\s*`([^`]*)`,?\s*(?:variables:\s*(\{[^}]*\}))?/g)]
    .map(([, query, variables]) => ({ query, variables: variables ?? "{}" }));
}

let paid; // the order paid on the PSP page, its payment and its buyer's token
before(async () => {
  const buyer = opaqueBuyer();
  const { token } = await client.auth.issueSessionToken({ storeId: stores[0].id, buyerIdentity: buyer });
  const session = await client.checkout.createSession({ productId: seededProduct("onetime", 0).id, currency: "EUR" });
  const ordered = await createOrder(token, {
    checkoutSessionId: session.sessionId, buyerEmail: "graphql-buyer@example.com",
    billingDetail: { country: "DE", isBusiness: false },
  });
  assert.equal(ordered.status, 200, JSON.stringify(ordered.body));
  const page = await fetch(ordered.body.data.checkoutUrl, {
    method: "POST", redirect: "manual", headers: { "Content-Type": "application/x-www-form-urlencoded" },
    body: new URLSearchParams({ cardNumber: "4242 4242 4242 4242", cardExpiry: "12/39", cardCvc: "123" }),
  });
  assert.equal(page.status, 303, await page.text());
  const [order] = await ordersOf(session.sessionId);
  paid = { order, token, buyer };
});

function variablesOf(written) {
  const ids = { STO_xxx: stores[0].id, ORD_xxx: paid.order.id, PROD_xxx: seededProduct("onetime", 0).id, MER_xxx: merchantId };
  return Function(`return (${written.replace(/"(STO|ORD|PROD|MER)_xxx"/g, (_, prefix) => JSON.stringify(ids[`${prefix}_xxx`]))})`)();
}

test("every example query of the guide runs, and the paid order reads back", async () => {
  const examples = guideQueries();
  assert.ok(examples.length >= 30, `only ${examples.length} queries found in ${guidePath}`);
  const results = new Map();
  for (const { query, variables } of examples) {
    const result = await client.graphql.query({ query, variables: variablesOf(variables) });
    assert.equal(result.errors, undefined, `${query}\n→ ${JSON.stringify(result.errors)}`);
    assert.ok(result.data, query);
    results.set(query, result.data);
  }

  // Each root as its first example answered it (the dashboard's later onetimeOrders are pending ones).
  const all = {};
  for (const data of results.values()) {
    for (const [root, value] of Object.entries(data)) {
      if (!(root in all)) all[root] = value;
    }
  }
  assert.deepEqual(new Set(all.stores.map((store) => store.id)), new Set(stores.map((store) => store.id)));
  const listed = all.onetimeOrders.find((order) => order.id === paid.order.id);
  assert.equal(listed?.status, "completed");
  assert.equal(listed.buyerEmail, "graphql-buyer@example.com");
  const detail = all.onetimeOrder;
  assert.equal(detail.id, paid.order.id);
  assert.equal(detail.priceSnapshot.total, paid.order.priceSnapshot.total);
  assert.deepEqual(detail.payments.map((payment) => [payment.status, payment.cardInfo.last4]), [["succeeded", "4242"]]);
  assert.ok(all.payments.some((payment) => payment.onetimeOrder?.id === paid.order.id));
  assert.ok(all.onetimeOrdersCount >= 1 && all.storesCount === stores.length);
  assert.equal(all.merchant.id, merchantId);
  assert.equal(all.rate.fromCurrency, "USD");
  assert.equal(all.rate.toCurrency, "EUR");

  // The guide's analytics cover 2025; over a day around now they count the paid order.
  const day = 24 * 3600 * 1000;
  const around = `{ timeRange: { startDate: "${new Date(Date.now() - day).toISOString()}", endDate: "${new Date(Date.now() + day).toISOString()}" } }`;
  const stats = await client.graphql.query({
    query: `query ($storeId: String!) { orderStatistics(storeId: $storeId, filter: ${around}) {
      totalCount countsByStatus { status count } revenueByCurrency { currency totalAmount paymentCount } } }`,
    variables: { storeId: stores[0].id },
  });
  assert.equal(stats.errors, undefined, JSON.stringify(stats.errors));
  assert.ok(stats.data.orderStatistics.totalCount >= 1);
  assert.ok(stats.data.orderStatistics.revenueByCurrency.some((row) => row.currency === "EUR" && row.paymentCount >= 1));
});

test("customer.graphql.query reads the buyer's own order only", async () => {
  const detail = `query ($id: String!) { onetimeOrder(id: $id) { id status payments { status } } }`;
  const buyer = client.customer(paid.token, { environment: "test" });
  const own = await buyer.graphql.query({ query: detail, variables: { id: paid.order.id } });
  assert.deepEqual(own.data.onetimeOrder, { id: paid.order.id, status: "completed", payments: [{ status: "succeeded" }] });
  const list = await buyer.graphql.query({
    query: `query ($s: String!) { onetimeOrders(storeId: $s) { id } }`, variables: { s: stores[0].id },
  });
  assert.deepEqual(list.data.onetimeOrders, [{ id: paid.order.id }]);

  const { token } = await client.auth.issueSessionToken({ storeId: stores[0].id, buyerIdentity: opaqueBuyer() });
  const stranger = await client.customer(token, { environment: "test" }).graphql.query({
    query: detail, variables: { id: paid.order.id },
  });
  assert.deepEqual(stranger.data, { onetimeOrder: null });
});
