// Every SDK write takes `{ idempotencyKey }` as its last argument and sends it as
// X-Idempotency-Key. The real gateway runs the first request, caches its 2xx answer for 24 h
// and replays it for a repeat of the key, so a retry after a timeout does not make a second
// checkout session. (docs.waffo.ai errors/introduction; SDK RequestOptions JSDoc.)

import assert from "node:assert/strict";
import { randomUUID } from "node:crypto";
import { test } from "node:test";

import { WaffoPancakeError } from "@waffo/pancake-ts";

import { sdkClient, seededProduct, SESSION_ID } from "./helpers.mjs";

const client = sdkClient();

test("createSession with the same idempotencyKey replays the first session", async () => {
  const params = { productId: seededProduct("onetime", 0).id, currency: "USD" };
  const idempotencyKey = `sdk-e2e-${randomUUID()}`;
  const first = await client.checkout.createSession(params, { idempotencyKey });
  const again = await client.checkout.createSession(params, { idempotencyKey });
  assert.match(first.sessionId, SESSION_ID);
  assert.deepEqual(again, first, "a repeated X-Idempotency-Key must replay the cached response");

  const other = await client.checkout.createSession(params, { idempotencyKey: `sdk-e2e-${randomUUID()}` });
  assert.notEqual(other.sessionId, first.sessionId, "a new key is a new request");
});

test("a malformed idempotencyKey is refused with 400", async () => {
  const params = { productId: seededProduct("onetime", 0).id, currency: "USD" };
  await assert.rejects(client.checkout.createSession(params, { idempotencyKey: "not a valid key!" }), (error) => {
    assert.ok(error instanceof WaffoPancakeError, `expected WaffoPancakeError, got ${error}`);
    assert.equal(error.status, 400);
    assert.notEqual(error.errors[0].layer, "sdk");
    return true;
  });
});
