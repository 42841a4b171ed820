// Every method of the official SDK's client surface against the mock, each with valid and invalid
// input. The list of methods is the SDK's own (its resources, walked at run time): a method of a new
// SDK version without a case here fails the first test. No method may reach a route the mock lacks.

import assert from "node:assert/strict";
import { generateKeyPairSync, randomUUID } from "node:crypto";
import { test } from "node:test";

import { WaffoPancake, WaffoPancakeError } from "@waffo/pancake-ts";

import { baseUrl, controlPost, createOrder, merchantId, opaqueBuyer, prodKey, sdkClient, seededProduct, stores } from "./helpers.mjs";

const client = sdkClient();
const BILLING = { country: "DE", isBusiness: false };
const USD = { USD: { amount: "20.00", taxCategory: "saas" } };
const UNKNOWN_STORE = "STO_0000000000000000000000";
const UNKNOWN_PRODUCT = "PROD_0000000000000000000000";

/** The call fails with this status and first message, as the server (not the SDK) answers it. */
async function refused(call, status, message) {
  await assert.rejects(call, (error) => {
    assert.ok(error instanceof WaffoPancakeError, `not a WaffoPancakeError: ${error}`);
    assert.deepEqual([error.status, error.errors[0].message], [status, message]);
    assert.notEqual(error.errors[0].layer, "sdk", "the SDK refused it locally: the server was never asked");
    return true;
  });
}

/** GraphQL answers its errors rather than throwing them: a mutation is refused. */
async function answersMutationRefused(graphql) {
  const refusal = await graphql.query({ query: "mutation { x }" });
  assert.deepEqual([refusal.data, refusal.errors[0].message], [null, "Mutations are not supported: GraphQL is query-only"]);
}

function methodsOf(object, prefix) {
  const own = Object.getOwnPropertyNames(Object.getPrototypeOf(object))
    .filter((name) => name !== "constructor" && typeof object[name] === "function").map((name) => prefix + name);
  const nested = Object.entries(object)
    .filter(([, value]) => value && typeof value === "object" && Object.getPrototypeOf(value) !== Object.prototype)
    .flatMap(([name, value]) => methodsOf(value, `${prefix}${name}.`));
  return [...own, ...nested];
}

/** The SDK's API methods: the client's resources and a customer session's, without their transports. */
function surface() {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  const probe = new WaffoPancake({ merchantId, privateKey: privateKey.export({ type: "pkcs8", format: "pem" }), baseUrl });
  const transport = /^(http|config|publicKeys)\b|\.(http|publicKeys)\./;
  const resources = Object.entries(probe).filter(([name, value]) => value && typeof value === "object"
    && !transport.test(name) && Object.getPrototypeOf(value) !== Object.prototype);
  const methods = resources.flatMap(([name, value]) => methodsOf(value, `${name}.`));
  const customer = methodsOf(probe.customer("token", { environment: "test" }), "customer.");
  return [...methods, ...customer].filter((name) => !transport.test(name)).sort();
}

async function newStore(name = "Surface Store") {
  return (await client.stores.create({ name })).store;
}

async function subscriptionPlan(storeId, fields = {}) {
  const { product } = await client.subscriptionProducts.create({
    storeId, name: "Surface Plan", billingPeriod: "monthly", prices: USD, ...fields });
  return product;
}

/** A paid subscription order of a new buyer on the seeded store's subscription product. */
async function paidSubscription(buyer = opaqueBuyer(), plan = seededProduct("subscription")) {
  const { sessionId } = await client.checkout.createSession({ productId: plan.id, currency: "USD" });
  const { token } = await client.auth.issueSessionToken({ storeId: stores[0].id, buyerIdentity: buyer });
  const made = await createOrder(token, { checkoutSessionId: sessionId, billingDetail: BILLING, buyerEmail: `${buyer}@example.com` },
    { kind: "subscription" });
  assert.equal(made.status, 200, JSON.stringify(made.body));
  const orders = await (await fetch(`${baseUrl}/_mock/orders?checkoutSessionId=${sessionId}`)).json();
  const paid = await controlPost(`/orders/${orders.orders[0].id}/pay`, {});
  return { order: paid.order, buyer, token };
}

async function customerOf(buyer) {
  const { token } = await client.auth.issueSessionToken({ storeId: stores[0].id, buyerIdentity: buyer });
  return client.customer(token, { environment: "test" });
}

const NOT_IMPLEMENTED = "Not implemented";

// Each method: a function of its valid and invalid calls.
const cases = {
  "auth.issueSessionToken": async () => {
    const { token, expiresAt } = await client.auth.issueSessionToken({ storeId: stores[0].id, buyerIdentity: "a@b.co" });
    assert.ok(token.split(".").length === 3 && Date.parse(expiresAt) > Date.now());
    await refused(() => client.auth.issueSessionToken({ storeId: UNKNOWN_STORE, buyerIdentity: "a@b.co" }), 404, "Store not found");
  },
  "stores.create": async () => {
    const { store } = await client.stores.create({ name: "  Corner Shop  " });
    assert.deepEqual([store.name, store.status, store.prodEnabled, store.deletedAt], ["Corner Shop", "active", false, null]);
    assert.match(store.slug, /^corner-shop-[0-9a-f]{6}$/);
    await refused(() => client.stores.create({ name: "x".repeat(49) }), 400, "name must not exceed 48 characters");
  },
  "stores.update": async () => {
    const store = await newStore();
    const result = await client.stores.update({ id: store.id, name: "Renamed",
      notificationSettings: { notifyNewOrders: false, emailOrderConfirmation: false } });
    assert.equal(result.store.name, "Renamed");
    assert.equal(result.store.notificationSettings.notifyNewOrders, false);
    assert.equal(result.store.notificationSettings.emailOrderConfirmation, true);
    assert.deepEqual(result.warnings, [{ message: "notificationSettings.emailOrderConfirmation is managed by the "
      + "platform and was not changed", layer: "store" }]);
    await refused(() => client.stores.update({ id: UNKNOWN_STORE, name: "x" }), 404, "Store not found");
  },
  "stores.delete": async () => {
    const store = await newStore();
    const { store: deleted } = await client.stores.delete({ id: store.id });
    assert.ok(deleted.deletedAt);
    await refused(() => client.stores.delete({ id: store.id }), 404, "Store not found");
  },
  "storeMerchants.add": async () => {
    await refused(() => client.storeMerchants.add({ storeId: stores[0].id, email: "m@example.com", role: "admin" }),
      501, NOT_IMPLEMENTED);
  },
  "storeMerchants.remove": async () => {
    await refused(() => client.storeMerchants.remove({ storeId: stores[0].id, merchantId }), 501, NOT_IMPLEMENTED);
  },
  "storeMerchants.updateRole": async () => {
    await refused(() => client.storeMerchants.updateRole({ storeId: stores[0].id, merchantId, role: "member" }),
      501, NOT_IMPLEMENTED);
  },
  "onetimeProducts.create": async () => {
    const { product } = await client.onetimeProducts.create({ storeId: stores[0].id, name: "Guide", prices: USD,
      metadata: { sku: "g-1", pages: 120 } });
    assert.deepEqual([product.name, product.status, product.metadata], ["Guide", "active", { sku: "g-1", pages: 120 }]);
    await refused(() => client.onetimeProducts.create({ storeId: UNKNOWN_STORE, name: "x", prices: USD }), 404, "Store not found");
  },
  "onetimeProducts.update": async () => {
    const { product } = await client.onetimeProducts.create({ storeId: stores[0].id, name: "Guide", prices: USD });
    assert.equal((await client.onetimeProducts.update({ id: product.id, name: "Guide 2" })).product.name, "Guide 2");
    await refused(() => client.onetimeProducts.update({ id: UNKNOWN_PRODUCT, name: "x" }), 404, "Product not found");
  },
  "onetimeProducts.publish": async () => {
    const { product } = await client.onetimeProducts.create({ storeId: stores[0].id, name: "Guide", prices: USD });
    const prod = new WaffoPancake({ merchantId, privateKey: prodKey, baseUrl });
    await refused(() => prod.checkout.createSession({ productId: product.id, currency: "USD" }), 404,
      "Product not found in production: publish it first");
    assert.equal((await client.onetimeProducts.publish({ id: product.id })).product.id, product.id);
    assert.ok((await prod.checkout.createSession({ productId: product.id, currency: "USD" })).sessionId);
    await refused(() => client.onetimeProducts.publish({ id: UNKNOWN_PRODUCT }), 404, "Product not found");
  },
  "onetimeProducts.updateStatus": async () => {
    const { product } = await client.onetimeProducts.create({ storeId: stores[0].id, name: "Guide", prices: USD });
    assert.equal((await client.onetimeProducts.updateStatus({ id: product.id, status: "inactive" })).product.status, "inactive");
    await refused(() => client.checkout.createSession({ productId: product.id, currency: "USD" }), 400, "Product is not active");
    await refused(() => client.onetimeProducts.updateStatus({ id: UNKNOWN_PRODUCT, status: "active" }), 404, "Product not found");
  },
  "subscriptionProducts.create": async () => {
    const product = await subscriptionPlan(stores[0].id, { metadata: { trialDays: 7 },
      prices: { USD: { amount: "9.99", taxCategory: "saas", trialAmount: "1.00" } } });
    assert.deepEqual([product.billingPeriod, product.prices.USD.trialAmount], ["monthly", "1.00"]);
    await refused(() => subscriptionPlan(stores[0].id, { prices: { USD: { amount: "9.99", taxCategory: "saas", trialAmount: "1.00" } } }),
      400, "prices.USD.trialAmount needs metadata.trialDays");
  },
  "subscriptionProducts.update": async () => {
    const product = await subscriptionPlan(stores[0].id);
    assert.equal((await client.subscriptionProducts.update({ id: product.id, billingPeriod: "yearly" })).product.billingPeriod, "yearly");
    await refused(() => client.subscriptionProducts.update({ id: seededProduct("onetime").id, name: "x" }), 404, "Product not found");
  },
  "subscriptionProducts.publish": async () => {
    const product = await subscriptionPlan(stores[0].id);
    assert.equal((await client.subscriptionProducts.publish({ id: product.id })).product.id, product.id);
    await refused(() => client.subscriptionProducts.publish({ id: UNKNOWN_PRODUCT }), 404, "Product not found");
  },
  "subscriptionProducts.updateStatus": async () => {
    const product = await subscriptionPlan(stores[0].id);
    assert.equal((await client.subscriptionProducts.updateStatus({ id: product.id, status: "inactive" })).product.status, "inactive");
    await refused(() => client.subscriptionProducts.updateStatus({ id: UNKNOWN_PRODUCT, status: "inactive" }), 404, "Product not found");
  },
  "subscriptionProductGroups.create": async () => {
    const plan = await subscriptionPlan(stores[0].id);
    const { group } = await client.subscriptionProductGroups.create({ storeId: stores[0].id, name: "Tiers", productIds: [plan.id] });
    assert.deepEqual([group.environment, group.rules, group.productIds], ["test", { sharedTrial: false, selfServicePlanChange: false }, [plan.id]]);
    await refused(() => client.subscriptionProductGroups.create({ storeId: stores[0].id, name: "Tiers", productIds: [seededProduct().id] }),
      400, "productIds[0] is not a subscription product of this store");
  },
  "subscriptionProductGroups.update": async () => {
    const { group } = await client.subscriptionProductGroups.create({ storeId: stores[0].id, name: "Tiers", rules: { sharedTrial: true } });
    const { group: opened } = await client.subscriptionProductGroups.update({ id: group.id, rules: { selfServicePlanChange: true } });
    assert.deepEqual(opened.rules, { sharedTrial: true, selfServicePlanChange: true });
    await refused(() => client.subscriptionProductGroups.update({ id: randomUUID(), name: "x" }), 404, "Subscription product group not found");
  },
  "subscriptionProductGroups.delete": async () => {
    const { group } = await client.subscriptionProductGroups.create({ storeId: stores[0].id, name: "Tiers" });
    assert.equal((await client.subscriptionProductGroups.delete({ id: group.id })).group.id, group.id);
    await refused(() => client.subscriptionProductGroups.delete({ id: group.id }), 404, "Subscription product group not found");
  },
  "subscriptionProductGroups.publish": async () => {
    const { group } = await client.subscriptionProductGroups.create({ storeId: stores[0].id, name: "Tiers" });
    assert.equal((await client.subscriptionProductGroups.publish({ id: group.id })).group.environment, "prod");
    await refused(() => client.subscriptionProductGroups.publish({ id: randomUUID() }), 404, "Subscription product group not found");
  },
  "orders.cancelSubscription": async () => {
    const { order } = await paidSubscription();
    assert.deepEqual(await client.orders.cancelSubscription({ orderId: order.id }), { orderId: order.id, status: "canceling" });
    await refused(() => client.orders.cancelSubscription({ orderId: order.id }), 400,
      "Subscription cannot be canceled, current status: canceling");
    await refused(() => client.orders.cancelSubscription({ orderId: "ORD_0000000000000000000000" }), 404, "Order not found");
  },
  "checkout.createSession": async () => {
    const result = await client.checkout.createSession({ productId: seededProduct().id, currency: "USD" });
    assert.match(result.checkoutUrl, /\/store\/[^/]+\/checkout\/cs_/);
    await refused(() => client.checkout.createSession({ productId: UNKNOWN_PRODUCT, currency: "USD" }), 404, "Product not found");
  },
  "checkout.createPlanChangeSession": async () => {
    const { order } = await paidSubscription();
    const target = await subscriptionPlan(stores[0].id);
    const result = await client.checkout.createPlanChangeSession({ originOrderId: order.id, productId: target.id, currency: "USD",
      changeTiming: "immediate", changeCreditAmount: "8.00" });
    assert.match(result.checkoutUrl, /\/store\/[^/]+\/change\/cs_/);
    await refused(() => client.checkout.createPlanChangeSession({ originOrderId: order.id, productId: target.id, currency: "USD",
      changeAmount: "1.00", changeCreditAmount: "8.00" }), 400, "changeAmount and changeCreditAmount are mutually exclusive");
  },
  "checkout.anonymous.create": async () => {
    const result = await client.checkout.anonymous.create({ productId: seededProduct().id, currency: "USD" });
    assert.match(result.checkoutUrl, /\/checkout\/cs_/);
    await refused(() => client.checkout.anonymous.create({ productId: seededProduct().id, currency: "CNY",
      includePaymentMethods: ["card"] }), 400, "Payment method not available for CNY: card");
  },
  "checkout.authenticated.create": async () => {
    const result = await client.checkout.authenticated.create({ productId: seededProduct().id, currency: "USD", buyerIdentity: opaqueBuyer() });
    assert.ok(result.checkoutUrl.includes("#token=") && result.token && result.tokenExpiresAt);
    await refused(() => client.checkout.authenticated.create({ productId: UNKNOWN_PRODUCT, currency: "USD", buyerIdentity: "u" }),
      404, "Product not found");
  },
  "checkout.authenticated.createPlanChange": async () => {
    const { order, buyer } = await paidSubscription();
    const target = await subscriptionPlan(stores[0].id);
    const result = await client.checkout.authenticated.createPlanChange({ originOrderId: order.id, productId: target.id,
      currency: "USD", buyerIdentity: buyer });
    assert.ok(result.checkoutUrl.includes("/change/") && result.checkoutUrl.includes("#token="));
    await refused(() => client.checkout.authenticated.createPlanChange({ originOrderId: order.id, productId: order.productId,
      currency: "USD", buyerIdentity: buyer }), 400, "Target plan is the current plan");
  },
  "graphql.query": async () => {
    const result = await client.graphql.query({ query: "query { stores { id slug } }" });
    assert.ok(result.data.stores.some((store) => store.id === stores[0].id));
    await answersMutationRefused(client.graphql);
  },
  "webhooks.add": async () => {
    const { webhook } = await client.webhooks.add({ storeId: stores[0].id, channel: "http", url: "http://127.0.0.1:9/hook",
      events: ["order.completed"], testMode: true });
    assert.equal(webhook.url, "http://127.0.0.1:9/hook");
    await client.webhooks.remove({ id: webhook.id });
    await refused(() => client.webhooks.add({ storeId: UNKNOWN_STORE, channel: "http", url: "http://127.0.0.1:9/",
      events: ["order.completed"], testMode: true }), 404, "Store not found");
  },
  "webhooks.update": async () => {
    const { webhook } = await client.webhooks.add({ storeId: stores[0].id, channel: "http", url: "http://127.0.0.1:9/a",
      events: ["order.completed"], testMode: true });
    assert.equal((await client.webhooks.update({ id: webhook.id, url: "http://127.0.0.1:9/b" })).webhook.url, "http://127.0.0.1:9/b");
    await client.webhooks.remove({ id: webhook.id });
    await refused(() => client.webhooks.update({ id: webhook.id, url: "http://127.0.0.1:9/c" }), 404, "Webhook not found");
  },
  "webhooks.remove": async () => {
    const { webhook } = await client.webhooks.add({ storeId: stores[0].id, channel: "http", url: "http://127.0.0.1:9/a",
      events: ["order.completed"], testMode: true });
    assert.equal((await client.webhooks.remove({ id: webhook.id })).webhook.id, webhook.id);
    await refused(() => client.webhooks.remove({ id: webhook.id }), 404, "Webhook not found");
  },
  "webhooks.verify": async () => {
    // Local: verifying needs the platform's key (webhooks.test.mjs verifies real deliveries with it).
    assert.throws(() => client.webhooks.verify('{"id":"x"}', "t=1,v1=bm90IGEgc2lnbmF0dXJl"));
  },
  "contentSafety.scanPrompt": async () => {
    assert.deepEqual((await client.contentSafety.scanPrompt({ prompt: "a cat riding a bike" })).action, "allow");
    const blocked = await client.contentSafety.scanPrompt({ prompt: "#block:face_swap_identity", semantic: "enforce" });
    assert.deepEqual([blocked.action, blocked.reasonCode, blocked.matchedCategories], ["block", "restricted_content", ["face_swap_identity"]]);
    await refused(() => client.contentSafety.scanPrompt({ prompt: "x".repeat(10001) }), 400,
      "Invalid field: prompt must be at most 10000 characters");
  },
  "customer.cancelSubscription": async () => {
    const { order, buyer } = await paidSubscription();
    assert.equal((await (await customerOf(buyer)).cancelSubscription({ orderId: order.id })).status, "canceling");
    await refused(async () => (await customerOf(opaqueBuyer())).cancelSubscription({ orderId: order.id }), 403,
      "Order does not belong to user");
  },
  "customer.cancelOnetimeOrder": async () => {
    const buyer = opaqueBuyer();
    const customer = await customerOf(buyer);
    const { sessionId } = await client.checkout.createSession({ productId: seededProduct().id, currency: "USD" });
    const { token } = await client.auth.issueSessionToken({ storeId: stores[0].id, buyerIdentity: buyer });
    await createOrder(token, { checkoutSessionId: sessionId, billingDetail: BILLING, buyerEmail: "c@example.com" });
    const orders = await (await fetch(`${baseUrl}/_mock/orders?checkoutSessionId=${sessionId}`)).json();
    assert.equal((await customer.cancelOnetimeOrder({ orderId: orders.orders[0].id })).status, "canceled");
    await refused(() => customer.cancelOnetimeOrder({ orderId: orders.orders[0].id }), 400,
      "Order cannot be canceled, current status: canceled");
  },
  "customer.reactivateSubscription": async () => {
    const { order, buyer } = await paidSubscription();
    const customer = await customerOf(buyer);
    await refused(() => customer.reactivateSubscription({ orderId: order.id }), 400,
      "Only canceling subscriptions can be reactivated");
    await customer.cancelSubscription({ orderId: order.id });
    assert.deepEqual(await customer.reactivateSubscription({ orderId: order.id }), { orderId: order.id, status: "active" });
  },
  "customer.createRefundTicket": async () => {
    const { order, buyer } = await paidSubscription();
    const customer = await customerOf(buyer);
    const requestedAmount = { amount: "1.00", currency: "USD" };
    const { ticket } = await customer.createRefundTicket({ paymentId: order.paymentId, reason: "not used", requestedAmount });
    assert.deepEqual([ticket.status, ticket.subjectId, ticket.submitterType], ["pending", order.paymentId, "customer"]);
    await refused(() => customer.createRefundTicket({ paymentId: order.paymentId, reason: "again", requestedAmount }), 409,
      "The payment already has a refund ticket open or succeeded");
  },
  "customer.resubmitRefundTicket": async () => {
    const { order, buyer } = await paidSubscription();
    const customer = await customerOf(buyer);
    const requestedAmount = { amount: "2.00", currency: "USD" };
    const { ticket } = await customer.createRefundTicket({ paymentId: order.paymentId, reason: "not used", requestedAmount });
    await controlPost(`/refund-tickets/${ticket.id}/review`, { decision: "reject", rejectReason: "needs detail" });
    const { ticket: again } = await customer.resubmitRefundTicket({ ticketId: ticket.id, paymentId: order.paymentId,
      reason: "never opened it", requestedAmount });
    assert.deepEqual([again.status, again.versionNumber], ["pending", 2]);
    await refused(() => customer.resubmitRefundTicket({ ticketId: "TKT_0000000000000000000000", paymentId: order.paymentId,
      reason: "again", requestedAmount }), 404, "Ticket not found");
  },
  "customer.createPlanChangeSession": async () => {
    const { order, buyer } = await paidSubscription();
    const target = await subscriptionPlan(stores[0].id);
    const customer = await customerOf(buyer);
    const params = { originOrderId: order.id, productId: target.id, currency: "USD" };
    await refused(() => customer.createPlanChangeSession(params), 403,
      "Target plan is not in the same product group as the current plan");
    await client.subscriptionProductGroups.create({ storeId: stores[0].id, name: "Self service",
      rules: { selfServicePlanChange: true }, productIds: [order.productId, target.id] });
    assert.match((await customer.createPlanChangeSession(params)).checkoutUrl, /\/change\/cs_/);
  },
  "customer.graphql.query": async () => {
    const { order, buyer } = await paidSubscription();
    const customer = await customerOf(buyer);
    const result = await customer.graphql.query({ query: "query { subscriptionOrders(storeId: \"" + stores[0].id + "\") { id } }" });
    assert.deepEqual(result.data.subscriptionOrders.map((entry) => entry.id), [order.id]);
    await answersMutationRefused(customer.graphql);
  },
};

test("every method of the SDK's surface has a case here, and every case a method", () => {
  assert.deepEqual(surface(), Object.keys(cases).sort());
});

for (const [method, run] of Object.entries(cases)) {
  test(method, async () => {
    try {
      await run();
    } catch (error) {
      // A route the mock lacks answers the gateway's "Not found": say so plainly.
      if (error instanceof WaffoPancakeError && error.status === 404 && error.errors[0].message === "Not found") {
        throw new Error(`${method} reached no route of the mock: ${JSON.stringify(error.errors)}`);
      }
      throw error;
    }
  });
}
