// Shared setup for the SDK end-to-end tests: the mock's credentials, an SDK client, and the
// few calls no SDK method makes (create-order, the mock's control plane, one raw signed call).

import { createHash, createSign, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { createServer } from "node:http";

import { WaffoPancake } from "@waffo/pancake-ts";

function requiredEnv(name) {
  const value = process.env[name];
  if (!value) {
    throw new Error(`${name} is not set: run these tests through tests/test_sdk.py, or export `
      + "PANCAKE_BASE_URL and PANCAKE_CREDENTIALS (path to the mock's credentials.json)");
  }
  return value;
}

export const baseUrl = requiredEnv("PANCAKE_BASE_URL").replace(/\/+$/, "");
export const credentials = JSON.parse(readFileSync(requiredEnv("PANCAKE_CREDENTIALS"), "utf8"));
export const merchantId = credentials.merchantId;
export const testKey = credentials.apiKeys.find((key) => key.environment === "test").privateKeyPem;
export const prodKey = credentials.apiKeys.find((key) => key.environment === "prod").privateKeyPem;

/** The official SDK, unmodified, pointed at the mock with the test-environment key. */
export function sdkClient() {
  return new WaffoPancake({ merchantId, privateKey: testKey, baseUrl });
}

export const stores = credentials.stores;
export function seededProduct(type = "onetime", store = 0) {
  return stores[store].products.find((product) => product.type === type);
}

/** A buyer id the mock cannot read as an email, so the order takes the session's or body's email. */
export function opaqueBuyer() {
  return `user_${randomUUID().slice(0, 8)}`;
}

async function readJson(response) {
  const text = await response.text();
  try {
    return JSON.parse(text);
  } catch {
    throw new Error(`${response.url} answered ${response.status} with non-JSON: ${text.slice(0, 500)}`);
  }
}

/** POST create-order the way the hosted checkout page does: session token + X-Environment. */
export async function createOrder(token, body, { kind = "onetime", environment = "test" } = {}) {
  const response = await fetch(`${baseUrl}/v1/actions/${kind}-order/create-order`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      Authorization: `Bearer ${token}`,
      "X-Environment": environment,
    },
    body: JSON.stringify(body),
  });
  return { status: response.status, body: await readJson(response) };
}

/** A merchant-signed POST without the SDK, to see exactly what the server answers. */
export async function signedPost(path, body) {
  const raw = JSON.stringify(body);
  const timestamp = Math.floor(Date.now() / 1000).toString();
  const bodyHash = createHash("sha256").update(raw).digest("base64");
  const signature = createSign("sha256")
    .update(`POST\n${path}\n${timestamp}\n${bodyHash}`)
    .sign(testKey, "base64");
  const response = await fetch(`${baseUrl}${path}`, {
    method: "POST",
    headers: {
      "Content-Type": "application/json",
      "X-Merchant-Id": merchantId,
      "X-Timestamp": timestamp,
      "X-Signature": signature,
    },
    body: raw,
  });
  return { status: response.status, body: await readJson(response) };
}

/** GET from the mock's control plane. */
export async function control(path) {
  const response = await fetch(`${baseUrl}/_mock${path}`);
  const body = await readJson(response);
  if (response.status !== 200) {
    throw new Error(`GET /_mock${path} answered ${response.status}: ${JSON.stringify(body)}`);
  }
  return body;
}

/** POST to the mock's control plane (e.g. pay an order as its payment page would). */
export async function controlPost(path, body) {
  const response = await fetch(`${baseUrl}/_mock${path}`, {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body),
  });
  const answer = await readJson(response);
  if (response.status !== 200) {
    throw new Error(`POST /_mock${path} answered ${response.status}: ${JSON.stringify(answer)}`);
  }
  return answer;
}

/** A webhook receiver on a free loopback port: it keeps each request's raw body and headers. */
export async function webhookReceiver() {
  const received = [];
  const waiting = [];
  const server = createServer((request, response) => {
    const chunks = [];
    request.on("data", (chunk) => chunks.push(chunk));
    request.on("end", () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString("utf8") });
      response.end("ok");
      waiting.splice(0).forEach((wake) => wake());
    });
  });
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}/webhooks`,
    /** The first request `accept` takes, waiting up to `timeoutMs` for it. */
    async next(accept, timeoutMs = 20000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = received.find(accept);
        if (found) return found;
        if (Date.now() > deadline) throw new Error(`no matching webhook within ${timeoutMs} ms (${received.length} received)`);
        await new Promise((resolve) => { waiting.push(resolve); setTimeout(resolve, 200); });
      }
    },
    count: () => received.length,
    all: () => [...received],
    close: () => new Promise((resolve) => server.close(resolve)),
  };
}

export async function ordersOf(sessionId) {
  return (await control(`/orders?checkoutSessionId=${encodeURIComponent(sessionId)}`)).orders;
}

export async function sessionRecord(sessionId) {
  return control(`/checkout-sessions/${encodeURIComponent(sessionId)}`);
}

export async function pspCalls() {
  return (await control("/psp/calls")).calls;
}

/** "12.34" -> 1234n, exactly (no floats), for amounts with at most two decimals. */
export function cents(amount) {
  const match = /^(\d+)(?:\.(\d{1,2}))?$/.exec(amount);
  if (!match) throw new Error(`not a 2-decimal display amount: ${amount}`);
  return BigInt(match[1]) * 100n + BigInt((match[2] ?? "0").padEnd(2, "0"));
}

export const SESSION_ID = /^cs_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
export const ORDER_ID = /^ORD_[0-9A-Za-z]{22}$/;
export const PRODUCT_ID = /^PROD_[0-9A-Za-z]{22}$/;

/** Milliseconds from now until an ISO 8601 UTC timestamp (which must parse). */
export function msUntil(iso) {
  assertIso(iso);
  return Date.parse(iso) - Date.now();
}

function assertIso(iso) {
  if (typeof iso !== "string" || !/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/.test(iso)
      || Number.isNaN(Date.parse(iso))) {
    throw new Error(`not an ISO 8601 timestamp: ${JSON.stringify(iso)}`);
  }
}
