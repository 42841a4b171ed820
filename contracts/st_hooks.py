"""Hooks for the `st` CLI (SCHEMATHESIS_HOOKS=st_hooks, with contracts/ on PYTHONPATH).

Generated product ids name no product, so create-session would only ever answer 404 and its
links to create-order would never run: positive cases get a product of the first store in the
credentials file named by PANCAKE_MOCK_CREDENTIALS (the store whose slug and token the command
sends), with a buyer email and a billing detail the session pre-fills, and none of the plan-change
fields (a generated originOrderId names no subscription, so every such session would be refused).
"""
from __future__ import annotations

import json
import os
from pathlib import Path

import schemathesis
from schemathesis import GenerationMode

from hooks import PLAN_CHANGE  # contracts/ is on PYTHONPATH

STORE = json.loads(Path(os.environ["PANCAKE_MOCK_CREDENTIALS"]).read_text(encoding="utf-8"))["stores"][0]
PREFILL = {"currency": "USD", "buyerEmail": "st-buyer@example.com",
           "billingDetail": {"country": "US", "isBusiness": False, "state": "CA"}}


@schemathesis.hook("map_case").apply_to(operation_id="createCheckoutSession")
def seeded_product(ctx, case):
    positive = case.meta is not None and case.meta.generation.mode == GenerationMode.POSITIVE
    if positive and isinstance(case.body, dict):
        product = STORE["products"][len(str(case.body.get("productId"))) % len(STORE["products"])]
        case.body.update(PREFILL, productId=product["id"])
        for name in PLAN_CHANGE:
            case.body.pop(name, None)
    return case
