// The checkout flow driven by the official @waffo/pancake-ts SDK (0.25.0, unmodified) against
// pancake-mock. The SDK has no create-order method (the hosted checkout page calls it), so that
// one call goes over raw fetch with the token the SDK returned; the mock's control plane
// (/_mock/...) shows what was stored.
//
// Run through tests/test_sdk.py, or by hand:
//   PANCAKE_BASE_URL=http://127.0.0.1:8750 PANCAKE_CREDENTIALS=.pancake-mock/credentials.json \
//     node --test tests/sdk/

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { WaffoPancakeError } from "@waffo/pancake-ts";

import {
  cents, createOrder, msUntil, opaqueBuyer, ordersOf, pspCalls, sdkClient, seededProduct,
  sessionRecord, signedPost, stores, ORDER_ID, PRODUCT_ID, SESSION_ID,
} from "./helpers.mjs";

const client = sdkClient();
const MINUTE = 60_000;
const US_CA = { country: "US", isBusiness: false, state: "CA", postcode: "94105" };
const DE_B2C = { country: "DE", isBusiness: false, postcode: "10115" };

function assertToken(result) {
  assert.equal(typeof result.token, "string");
  assert.ok(result.token.length > 0, "empty token");
  const ttl = msUntil(result.expiresAt);
  assert.ok(ttl > 0 && ttl <= 30 * MINUTE, `token expiresAt ${result.expiresAt} is not within the next 30 min`);
}

async function assertOrderCreated(token, body) {
  const response = await createOrder(token, body);
  assert.equal(response.status, 200, `create-order: ${JSON.stringify(response.body)}`);
  assert.equal(typeof response.body.data?.checkoutUrl, "string", JSON.stringify(response.body));
  assert.ok(URL.canParse(response.body.data.checkoutUrl), response.body.data.checkoutUrl);
  const [order, ...more] = await ordersOf(body.checkoutSessionId);
  assert.equal(more.length, 0, "one session, one order");
  assert.match(order.id, ORDER_ID);
  assert.equal(order.checkoutSessionId, body.checkoutSessionId);
  assert.equal(order.checkoutUrl, response.body.data.checkoutUrl);
  return order;
}

function assertSnapshot(snapshot, expected) {
  for (const [field, value] of Object.entries(expected)) {
    if (field === "taxRate") assert.equal(Number(snapshot.taxRate), Number(value), `taxRate ${snapshot.taxRate}`);
    else assert.equal(snapshot[field], value, `priceSnapshot.${field}`);
  }
  assert.equal(cents(snapshot.total), cents(snapshot.subtotal) + cents(snapshot.taxAmount), "total = subtotal + tax");
}

test("auth.issueSessionToken with storeId", async () => {
  const store = stores[0];
  const issued = await client.auth.issueSessionToken({ storeId: store.id, buyerIdentity: opaqueBuyer() });
  assertToken(issued);

  // The token is good for a checkout of that store.
  const session = await client.checkout.createSession({ productId: seededProduct("onetime", 0).id, currency: "USD" });
  const order = await assertOrderCreated(issued.token, {
    checkoutSessionId: session.sessionId, buyerEmail: "store.token@example.com", billingDetail: US_CA,
  });
  assert.equal(order.storeId, store.id);
});

test("auth.issueSessionToken with productId only derives the store", async () => {
  const product = seededProduct("onetime", 1);
  const issued = await client.auth.issueSessionToken({ productId: product.id, buyerIdentity: opaqueBuyer() });
  assertToken(issued);

  // Scoped to the product's store (stores[1]): refused on a session of stores[0] ...
  const elsewhere = await client.checkout.createSession({ productId: seededProduct("onetime", 0).id, currency: "USD" });
  const refused = await createOrder(issued.token, {
    checkoutSessionId: elsewhere.sessionId, buyerEmail: "derived@example.com", billingDetail: US_CA,
  });
  assert.equal(refused.status, 403, JSON.stringify(refused.body));
  assert.equal(refused.body.data, null);
  assert.ok(refused.body.errors?.[0]?.message, JSON.stringify(refused.body));
  assert.deepEqual(await ordersOf(elsewhere.sessionId), []);

  // ... and accepted on one of its own.
  const own = await client.checkout.createSession({ productId: product.id, currency: "USD" });
  const order = await assertOrderCreated(issued.token, {
    checkoutSessionId: own.sessionId, buyerEmail: "derived@example.com", billingDetail: US_CA,
  });
  assert.equal(order.storeId, stores[1].id);
});

test("checkout.createSession locks price and pre-fills; the order takes them", async () => {
  const product = seededProduct("onetime", 0);
  const externalId = `EXT-${randomUUID()}`;
  const session = await client.checkout.createSession({
    productId: product.id,
    currency: "USD",
    buyerEmail: "  Mixed.Case@Example.COM \t",
    billingDetail: US_CA,
    successUrl: "https://merchant.example/thanks?ref=sdk",
    metadata: { campaign: "sdk-e2e", plan: "pro" },
    orderMerchantExternalId: externalId,
  });
  assert.match(session.sessionId, SESSION_ID);
  assert.ok(URL.canParse(session.checkoutUrl), session.checkoutUrl);
  assert.ok(session.checkoutUrl.endsWith(`/checkout/${session.sessionId}`), session.checkoutUrl);
  assert.ok(session.checkoutUrl.includes(`/${stores[0].slug}/`), `${session.checkoutUrl} names no store slug`);
  const ttl = msUntil(session.expiresAt);
  assert.ok(ttl > 40 * MINUTE && ttl <= 45 * MINUTE, `default expiry is 45 min, got ${session.expiresAt}`);
  assert.equal(session.warnings, undefined);

  const record = await sessionRecord(session.sessionId);
  assert.equal(record.status, "open");
  assert.equal(record.productId, product.id);
  assert.equal(record.storeId, stores[0].id);
  assert.equal(record.productType, "onetime");
  assert.equal(record.currency, "USD");
  assert.deepEqual(record.price, product.prices.USD);
  assert.equal(record.buyerEmail, "mixed.case@example.com");
  assert.deepEqual(record.billingDetail, US_CA);
  assert.equal(record.successUrl, "https://merchant.example/thanks?ref=sdk");
  assert.deepEqual(record.metadata, { campaign: "sdk-e2e", plan: "pro" });
  assert.equal(record.orderMerchantExternalId, externalId);

  // Nothing in the body: email and billing come from the session's pre-fills.
  const { token } = await client.auth.issueSessionToken({ storeId: stores[0].id, buyerIdentity: opaqueBuyer() });
  const order = await assertOrderCreated(token, { checkoutSessionId: session.sessionId });
  assert.equal(order.buyerEmail, "mixed.case@example.com");
  assert.deepEqual(order.billingDetail, US_CA);
  assert.equal(order.successUrl, "https://merchant.example/thanks?ref=sdk");
  assert.equal(order.currency, "USD");
  assertSnapshot(order.priceSnapshot, {
    currency: "USD", subtotal: product.prices.USD.amount, taxCategory: product.prices.USD.taxCategory,
  });
});

test("checkout.authenticated.create returns session, token and a #token= checkout URL", async () => {
  const product = seededProduct("onetime", 0);
  const result = await client.checkout.authenticated.create({
    productId: product.id, currency: "EUR", buyerIdentity: opaqueBuyer(), buyerEmail: "Auth.Buyer@Example.com ",
  });
  assert.deepEqual(Object.keys(result).sort(), ["checkoutUrl", "expiresAt", "sessionId", "token", "tokenExpiresAt"]);
  assert.match(result.sessionId, SESSION_ID);
  assert.ok(result.checkoutUrl.includes("#token="), result.checkoutUrl);
  const [page, fragment] = result.checkoutUrl.split("#token=");
  assert.equal(fragment, result.token);
  assert.ok(URL.canParse(page) && page.endsWith(`/checkout/${result.sessionId}`), page);
  assertToken({ token: result.token, expiresAt: result.tokenExpiresAt });
  assert.ok(msUntil(result.expiresAt) > 40 * MINUTE, result.expiresAt);

  const order = await assertOrderCreated(result.token, { checkoutSessionId: result.sessionId, billingDetail: DE_B2C });
  assert.equal(order.buyerEmail, "auth.buyer@example.com");
  assert.equal(order.currency, "EUR");
  assertSnapshot(order.priceSnapshot, {
    currency: "EUR", subtotal: product.prices.EUR.amount, taxCategory: product.prices.EUR.taxCategory,
  });
});

test("onetimeProducts.create/update: a price change is a new version; sessions keep theirs", async () => {
  const store = stores[0];
  const { product: created } = await client.onetimeProducts.create({
    storeId: store.id,
    name: `SDK e2e ${randomUUID().slice(0, 8)}`,
    description: "Made by the @waffo/pancake-ts end-to-end test",
    prices: { USD: { amount: "20.00", taxCategory: "saas" } },
  });
  assert.match(created.id, PRODUCT_ID);
  assert.equal(created.storeId, store.id);
  assert.deepEqual(created.prices, { USD: { amount: "20.00", taxCategory: "saas" } });
  assert.equal(created.description, "Made by the @waffo/pancake-ts end-to-end test");
  assert.equal(created.status, "active");

  // A session created BEFORE the update locks version 1 (authenticated: the SDK hands us a token).
  const before = await client.checkout.authenticated.create({
    productId: created.id,
    currency: "USD",
    buyerIdentity: opaqueBuyer(),
    buyerEmail: "  Early.Bird@Example.COM ",
    successUrl: "https://merchant.example/done",
    metadata: { step: "before" },
    orderMerchantExternalId: "EXT-before",
  });

  const { product: updated } = await client.onetimeProducts.update({
    id: created.id, prices: { USD: { amount: "25.00", taxCategory: "saas" } },
  });
  assert.equal(updated.id, created.id);
  assert.deepEqual(updated.prices, { USD: { amount: "25.00", taxCategory: "saas" } });
  assert.equal(updated.name, created.name, "fields left out keep their value");

  // A session created AFTER the update gets version 2.
  const after = await client.checkout.createSession({
    productId: created.id, currency: "USD", buyerEmail: " LATE.Comer@Example.com",
  });
  const { token: afterToken } = await client.auth.issueSessionToken({
    productId: created.id, buyerIdentity: opaqueBuyer(),
  });

  assert.deepEqual((await sessionRecord(before.sessionId)).price, { amount: "20.00", taxCategory: "saas" });
  assert.deepEqual((await sessionRecord(after.sessionId)).price, { amount: "25.00", taxCategory: "saas" });

  // create-order over raw fetch with the SDK's tokens; DE consumer: 19 % VAT on top.
  const early = await assertOrderCreated(before.token, { checkoutSessionId: before.sessionId, billingDetail: DE_B2C });
  const late = await assertOrderCreated(afterToken, { checkoutSessionId: after.sessionId, billingDetail: DE_B2C });

  for (const [order, email, version, expected] of [
    [early, "early.bird@example.com", 1, { subtotal: "20.00", taxAmount: "3.80", total: "23.80" }],
    [late, "late.comer@example.com", 2, { subtotal: "25.00", taxAmount: "4.75", total: "29.75" }],
  ]) {
    assert.equal(order.type, "onetime");
    assert.equal(order.status, "pending");
    assert.equal(order.environment, "test");
    assert.equal(order.productId, created.id);
    assert.equal(order.storeId, store.id);
    assert.equal(order.buyerEmail, email);
    assert.equal(order.productVersion, version);
    assertSnapshot(order.priceSnapshot, { currency: "USD", taxCategory: "saas", taxRate: "0.19", ...expected });
    const call = (await pspCalls()).find((c) => c.request?.orderId === order.id);
    assert.ok(call, `no PSP call for ${order.id}`);
    assert.equal(call.outcome, "succeeded");
    assert.equal(call.request.buyerEmail, email);
  }
  assert.equal(early.successUrl, "https://merchant.example/done");

  // Both sessions are used up now.
  assert.equal((await sessionRecord(before.sessionId)).status, "completed");
  assert.equal((await sessionRecord(after.sessionId)).status, "completed");
});

test("SDK surfaces the server's 400 for an unsupported currency as WaffoPancakeError", async () => {
  const params = { productId: seededProduct("onetime", 0).id, currency: "AUD" };
  // What the server answers, seen without the SDK.
  const raw = await signedPost("/v1/actions/checkout/create-session", params);
  assert.equal(raw.status, 400, JSON.stringify(raw.body));
  assert.equal(raw.body.data, null);
  const serverMessage = raw.body.errors?.[0]?.message;
  assert.ok(serverMessage, JSON.stringify(raw.body));

  for (const call of [
    () => client.checkout.createSession(params),
    () => client.checkout.authenticated.create({ ...params, buyerIdentity: opaqueBuyer() }),
  ]) {
    await assert.rejects(call, (error) => {
      assert.ok(error instanceof WaffoPancakeError, `expected WaffoPancakeError, got ${error}`);
      assert.equal(error.status, 400);
      assert.equal(error.errors[0].message, serverMessage);
      assert.notEqual(error.errors[0].layer, "sdk", "the server, not the SDK, rejected it");
      assert.equal(error.message, serverMessage);
      assert.match(error.message, /AUD/);
      return true;
    });
  }
});

test("customer.cancelOnetimeOrder cancels the buyer's pending order, with the server's errors", async () => {
  const buyer = opaqueBuyer();
  const { token } = await client.auth.issueSessionToken({ storeId: stores[0].id, buyerIdentity: buyer });
  const session = await client.checkout.createSession({ productId: seededProduct("onetime", 0).id, currency: "EUR" });
  const order = await assertOrderCreated(token, { checkoutSessionId: session.sessionId, buyerEmail: "sdk@example.com",
                                                  billingDetail: DE_B2C });

  const other = await client.auth.issueSessionToken({ storeId: stores[0].id, buyerIdentity: opaqueBuyer() });
  await assert.rejects(() => client.customer(other.token, { environment: "test" }).cancelOnetimeOrder({ orderId: order.id }),
    (error) => error instanceof WaffoPancakeError && error.status === 403
      && error.errors[0].message === "Order does not belong to user");

  const customer = client.customer(token, { environment: "test" });
  const canceled = await customer.cancelOnetimeOrder({ orderId: order.id });
  assert.equal(canceled.orderId, order.id);
  assert.equal(canceled.status, "canceled");
  assert.equal((await ordersOf(session.sessionId))[0].status, "canceled");
  await assert.rejects(() => customer.cancelOnetimeOrder({ orderId: order.id }),
    (error) => error instanceof WaffoPancakeError && error.status === 400
      && error.errors[0].message === "Order cannot be canceled, current status: canceled");
});
