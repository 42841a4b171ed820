// Subscriptions and refunds through business time with the official SDK: a paid monthly
// subscription renewed twelve times (one renewal declined, then recovered by its retry), canceled
// by the merchant (orders.cancelSubscription), reactivated and canceled again by the buyer
// (customer.reactivateSubscription, customer.cancelSubscription), ended at its period's end, and a
// buyer's refund (customer.createRefundTicket) carried out; then plan changes (declined, at once,
// at the next period) and a refund the PSP fails; every event verified by the SDK's verifyWebhook. It moves the mock's clock a year ahead, so tests/test_sdk.py
// runs it against a mock of its own.

import assert from "node:assert/strict";
import { test } from "node:test";

import { verifyWebhook } from "@waffo/pancake-ts";

import {
  baseUrl, control, controlPost, createOrder, credentials, opaqueBuyer, sdkClient, stores, webhookReceiver,
} from "../helpers.mjs";

const client = sdkClient();
const BILLING = { country: "DE", isBusiness: false };
const EVENTS = ["subscription.activated", "subscription.payment_succeeded", "subscription.renewed",
  "subscription.past_due", "subscription.recovered", "subscription.canceling", "subscription.uncanceled",
  "subscription.canceled", "refund.succeeded", "refund.failed"];

async function travel(moment, seconds = 1) {
  const now = new Date(Date.parse(moment) + seconds * 1000).toISOString();
  const response = await fetch(`${baseUrl}/_mock/clock`, {
    method: "PUT", headers: { "Content-Type": "application/json" }, body: JSON.stringify({ now }),
  });
  assert.equal(response.status, 200, await response.text());
}

const billing = (orderId, count = 0) => controlPost(`/subscriptions/${orderId}/failing-renewals`, { count });

// A session token lasts a month of business time: the buyer signs in again for each action.
async function customerOf(buyer) {
  const { token } = await client.auth.issueSessionToken({ storeId: stores[0].id, buyerIdentity: buyer });
  return client.customer(token, { environment: "test" });
}

test("a year of a monthly subscription and a refund, every event verified", async () => {
  const receiver = await webhookReceiver();
  try {
    await client.webhooks.add({ storeId: stores[0].id, channel: "http", url: receiver.url, events: EVENTS, testMode: true });
    const buyer = opaqueBuyer();
    const plan = stores[0].products.find((product) => product.billingPeriod === "monthly");
    const { sessionId } = await client.checkout.createSession({ productId: plan.id, currency: "USD" });
    const { token } = await client.auth.issueSessionToken({ storeId: stores[0].id, buyerIdentity: buyer });
    const made = await createOrder(token, { checkoutSessionId: sessionId, billingDetail: BILLING, buyerEmail: "y@example.com" },
      { kind: "subscription" });
    assert.equal(made.status, 200, JSON.stringify(made.body));
    const [pending] = (await control(`/orders?checkoutSessionId=${sessionId}`)).orders;
    const { order, payment } = await controlPost(`/orders/${pending.id}/pay`, {});
    assert.equal(order.status, "active");

    const { ticket } = await (await customerOf(buyer)).createRefundTicket({
      paymentId: payment.id, reason: "charged twice", requestedAmount: { amount: "1.00", currency: "USD" } });
    const approved = await controlPost(`/refund-tickets/${ticket.id}/review`, { decision: "approve" });
    await travel(approved.reviewedAt, 61);

    for (let renewal = 1; renewal <= 12; renewal++) {
      const now = await billing(order.id, renewal === 5 ? 1 : 0);
      await travel(now.currentPeriodEnd);
      if (renewal === 5) {
        assert.equal((await control(`/orders/${order.id}`)).status, "past_due");
        await travel((await billing(order.id)).nextChargeAt);
      }
      assert.equal((await control(`/orders/${order.id}`)).status, "active");
    }
    assert.deepEqual(await client.orders.cancelSubscription({ orderId: order.id }), { orderId: order.id, status: "canceling" });
    assert.deepEqual(await (await customerOf(buyer)).reactivateSubscription({ orderId: order.id }),
      { orderId: order.id, status: "active" });
    assert.equal((await (await customerOf(buyer)).cancelSubscription({ orderId: order.id })).status, "canceling");
    await travel((await billing(order.id)).currentPeriodEnd);
    assert.equal((await control(`/orders/${order.id}`)).status, "canceled");

    const expected = { "subscription.activated": 1, "subscription.payment_succeeded": 13, "subscription.renewed": 11,
      "subscription.past_due": 1, "subscription.recovered": 1, "subscription.canceling": 2,
      "subscription.uncanceled": 1, "subscription.canceled": 1, "refund.succeeded": 1 };
    const total = Object.values(expected).reduce((a, b) => a + b, 0);
    await receiver.next(() => receiver.count() >= total, 30000);
    const seen = {};
    for (const delivery of receiver.all()) {
      const event = verifyWebhook(delivery.body, delivery.headers["x-waffo-signature"],
        { publicKey: credentials.webhookPublicKey.test });
      assert.equal(event.eventType, delivery.headers["x-waffo-event"]);
      assert.equal(event.data.orderId, order.id);
      seen[event.eventType] = (seen[event.eventType] ?? 0) + 1;
    }
    assert.deepEqual(seen, expected);
  } finally {
    await receiver.close();
  }
});

test("plan changes at once and at the next period, a declined one, and a failed refund, every event verified", async () => {
  const receiver = await webhookReceiver();
  try {
    const events = ["subscription.plan_changed", "subscription.plan_change_scheduled", "subscription.plan_change_failed",
      "refund.failed"];
    await client.webhooks.add({ storeId: stores[0].id, channel: "http", url: receiver.url, events, testMode: true });
    const plan = stores[0].products.find((product) => product.billingPeriod === "monthly");
    const dearer = await client.subscriptionProducts.create({ storeId: stores[0].id, name: "Dearer", billingPeriod: "monthly",
      prices: { USD: { amount: "900.00", taxCategory: "saas" } } });
    const cheaper = await client.subscriptionProducts.create({ storeId: stores[0].id, name: "Cheaper", billingPeriod: "monthly",
      prices: { USD: { amount: "1.00", taxCategory: "saas" } } });
    const buyer = opaqueBuyer();
    const { sessionId } = await client.checkout.createSession({ productId: plan.id, currency: "USD" });
    const { token } = await client.auth.issueSessionToken({ storeId: stores[0].id, buyerIdentity: buyer });
    assert.equal((await createOrder(token, { checkoutSessionId: sessionId, billingDetail: BILLING, buyerEmail: "z@example.com" },
      { kind: "subscription" })).status, 200);
    const [pending] = (await control(`/orders?checkoutSessionId=${sessionId}`)).orders;
    const { order, payment } = await controlPost(`/orders/${pending.id}/pay`, {});

    const change = async (productId, fields) => (await client.checkout.createSession(
      { originOrderId: order.id, productId, currency: "USD", ...fields })).sessionId;
    await billing(order.id, 1);  // the dearer plan's charge is declined
    const declined = await controlPost(`/checkout-sessions/${await change(dearer.product.id, { changeTiming: "immediate" })}/confirm-change`, {});
    assert.equal(declined.productId, plan.id);
    const changed = await controlPost(`/checkout-sessions/${await change(dearer.product.id, { changeTiming: "immediate" })}/confirm-change`, {});
    assert.equal(changed.productId, dearer.product.id);
    await controlPost(`/checkout-sessions/${await change(cheaper.product.id, {})}/confirm-change`, {});
    await travel((await billing(order.id)).currentPeriodEnd);
    assert.equal((await control(`/orders/${order.id}`)).productId, cheaper.product.id);

    // The first payment is past the 14 days a refund allows: the renewal just made is not.
    const renewal = (await control(`/orders/${order.id}`)).payments.at(-1);
    assert.notEqual(renewal.id, payment.id);
    const { ticket } = await (await customerOf(buyer)).createRefundTicket({
      paymentId: renewal.id, reason: "not used", requestedAmount: { amount: "1.00", currency: "USD" } });
    await controlPost(`/refund-tickets/${ticket.id}/review`, { decision: "approve" });
    await controlPost(`/refund-tickets/${ticket.id}/settle`, { outcome: "failed" });

    const expected = { "subscription.plan_change_failed": 1, "subscription.plan_changed": 2,
      "subscription.plan_change_scheduled": 1, "refund.failed": 1 };
    await receiver.next(() => receiver.count() >= 5, 30000);
    const seen = {};
    for (const delivery of receiver.all()) {
      const event = verifyWebhook(delivery.body, delivery.headers["x-waffo-signature"],
        { publicKey: credentials.webhookPublicKey.test });
      assert.equal(event.data.orderId, order.id);
      seen[event.eventType] = (seen[event.eventType] ?? 0) + 1;
    }
    assert.deepEqual(seen, expected);
  } finally {
    await receiver.close();
  }
});
