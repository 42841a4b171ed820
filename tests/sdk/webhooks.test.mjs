// Webhook endpoints through the official SDK's client.webhooks.add / update / remove.

import assert from "node:assert/strict";
import { test } from "node:test";

import { WaffoPancakeError } from "@waffo/pancake-ts";

import { sdkClient, stores } from "./helpers.mjs";

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
