// client.storeMerchants.* through the official SDK: the real API answers 501 for now, and so does the mock.

import assert from "node:assert/strict";
import { test } from "node:test";

import { WaffoPancakeError } from "@waffo/pancake-ts";

import { sdkClient, stores } from "./helpers.mjs";

const client = sdkClient();
const notImplemented = (error) => error instanceof WaffoPancakeError && error.status === 501
  && error.errors[0].message === "Not implemented" && error.errors[0].layer === "store";

test("storeMerchants.add, remove and updateRole answer 501 Not implemented", async () => {
  const storeId = stores[0].id;
  const merchantId = "MER_1111111111111111111111";
  await assert.rejects(() => client.storeMerchants.add({ storeId, email: "member@example.com", role: "admin" }), notImplemented);
  await assert.rejects(() => client.storeMerchants.remove({ storeId, merchantId }), notImplemented);
  await assert.rejects(() => client.storeMerchants.updateRole({ storeId, merchantId, role: "member" }), notImplemented);
});
