// Subscriptions and refunds through business time with the official SDK: a paid monthly
// subscription renewed twelve times (one renewal declined, then recovered by its retry), canceled
// by the merchant (orders.cancelSubscription), reactivated and canceled again by the buyer
// (customer.reactivateSubscription, customer.cancelSubscription), ended at its period's end, and a
// buyer's refund (customer.createRefundTicket) carried out; every event the clock brings about
// verified by the SDK's verifyWebhook. It moves the mock's clock a year ahead, so tests/test_sdk.py
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
