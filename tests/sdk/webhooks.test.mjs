// Webhook endpoints through the official SDK's client.webhooks.add / update / remove, and the
// deliveries of a paid order, verified by the SDK's verifyWebhook and client.webhooks.verify.

import assert from "node:assert/strict";
import { test } from "node:test";

import { WaffoPancake, WaffoPancakeError, verifyWebhook } from "@waffo/pancake-ts";

import {
  baseUrl, controlPost, createOrder, credentials, merchantId, opaqueBuyer, ordersOf, prodKey, sdkClient, seededProduct,
  stores, testKey, webhookReceiver,
} from "./helpers.mjs";

const client = sdkClient();
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

test("client.webhooks.add, update and remove", async () => {
  const { webhook } = await client.webhooks.add({
    storeId: stores[0].id, channel: "http", url: "http://127.0.0.1:9/sdk-hook", events: ["order.completed"], testMode: true,
  });
  assert.match(webhook.id, UUID);
  assert.equal(webhook.storeId, stores[0].id);
  assert.deepEqual(webhook.events, ["order.completed"]);
  assert.equal(webhook.testMode, true);
  assert.equal(webhook.secret, null);

  const updated = await client.webhooks.update({ id: webhook.id, events: ["order.completed", "refund.failed"] });
  assert.deepEqual(updated.webhook.events, ["order.completed", "refund.failed"]);
  assert.equal(updated.webhook.url, webhook.url);

  const removed = await client.webhooks.remove({ id: webhook.id });
  assert.equal(removed.webhook.id, webhook.id);
  await assert.rejects(() => client.webhooks.remove({ id: webhook.id }),
    (error) => error instanceof WaffoPancakeError && error.status === 404 && error.errors[0].message === "Webhook not found");
});

for (const environment of ["test", "prod"]) {
  test(`a paid ${environment} order's order.completed verifies with the keys of credentials.json`, async () => {
    // The SDK configured as a merchant's backend would be: its key, and the mock's webhook public keys.
    const merchant = new WaffoPancake({
      merchantId, privateKey: environment === "test" ? testKey : prodKey, baseUrl,
      webhookPublicKey: credentials.webhookPublicKey,
    });
    const receiver = await webhookReceiver();
    try {
      const { webhook } = await merchant.webhooks.add({
        storeId: stores[0].id, channel: "http", url: receiver.url, events: ["order.completed"],
        testMode: environment === "test",
      });
      const session = await merchant.checkout.createSession({ productId: seededProduct("onetime", 0).id, currency: "EUR" });
      const { token } = await merchant.auth.issueSessionToken({ storeId: stores[0].id, buyerIdentity: opaqueBuyer() });
      const ordered = await createOrder(token, {
        checkoutSessionId: session.sessionId, buyerEmail: "webhook-buyer@example.com",
        billingDetail: { country: "DE", isBusiness: false },
      }, { environment });
      assert.equal(ordered.status, 200, JSON.stringify(ordered.body));
      const [order] = await ordersOf(session.sessionId);
      const { payment } = await controlPost(`/orders/${order.id}/pay`, {});

      const delivered = await receiver.next((request) => JSON.parse(request.body).data.orderId === order.id);
      const header = delivered.headers["x-waffo-signature"];
      assert.equal(delivered.headers["x-waffo-event"], "order.completed");

      const event = verifyWebhook(delivered.body, header, { publicKey: credentials.webhookPublicKey[environment] });
      assert.equal(event.eventType, "order.completed");
      assert.equal(event.mode, environment);
      assert.equal(event.eventId, payment.id);
      assert.equal(event.storeId, stores[0].id);
      assert.equal(event.data.orderStatus, "completed");
      assert.equal(event.data.paymentStatus, "succeeded");
      assert.equal(event.data.chargedAmount, order.priceSnapshot.total);
      assert.equal(event.data.buyerEmail, "webhook-buyer@example.com");

      // client.webhooks.verify with the keys from its config: auto-detected, and named.
      assert.deepEqual(merchant.webhooks.verify(delivered.body, header), event);
      assert.deepEqual(merchant.webhooks.verify(delivered.body, header, { environment }), event);
      const other = environment === "test" ? "prod" : "test";
      assert.throws(() => merchant.webhooks.verify(delivered.body, header, { environment: other }));

      // A tampered body, and a signature 46 minutes old, fail verification.
      const publicKey = credentials.webhookPublicKey[environment];
      const tampered = order.id.slice(0, -1) + (order.id.endsWith("X") ? "Y" : "X");  // never the id itself
      assert.throws(() => verifyWebhook(delivered.body.replace(order.id, tampered), header, { publicKey }));
      const now = Date.now;
      Date.now = () => now() + 46 * 60 * 1000;
      try {
        assert.throws(() => verifyWebhook(delivered.body, header, { publicKey }), /timestamp|tolerance|expired|old/i);
      } finally {
        Date.now = now;
      }
      await merchant.webhooks.remove({ id: webhook.id });
    } finally {
      await receiver.close();
    }
  });
}
