"""verification/scan-prompt: a deterministic verdict from the prompt's test markers."""

from __future__ import annotations

import pytest

from support import error_of

SCAN = "/v1/actions/verification/scan-prompt"


def scan(api, prompt, **fields):
    response = api.signed(SCAN, {"prompt": prompt, **fields})
    assert response.status_code == 200, response.text
    return response.json()["data"]


@pytest.mark.parametrize("prompt, semantic, expected", [
    ("a cat riding a bike", None, ("allow", "allowed", [], "disabled")),
    ("a cat riding a bike", "shadow", ("allow", "allowed", [], "shadow_scored")),
    ("a cat #REVIEW:adult_nsfw on a bike", "enforce", ("review", "review_required", ["adult_nsfw"], "scored")),
    ("#review please", "off", ("review", "review_required", [], "disabled")),
    ("#block:face_swap_identity and #block:undress_transform #review", "enforce",
     ("block", "restricted_content", ["face_swap_identity", "undress_transform"], "skipped_rules_block")),
    ("#degraded", "enforce", ("review", "service_degraded", [], "provider_timeout")),
    ("#block:adult_nsfw", None, ("allow", "allowed", [], "disabled")),  # not a category that blocks
])
def test_each_branch_has_its_marker(api, prompt, semantic, expected):
    verdict = scan(api, prompt, **({"semantic": semantic} if semantic else {}))
    assert (verdict["action"], verdict["reasonCode"], verdict["matchedCategories"], verdict["semanticStatus"]) == expected
    assert verdict["requestId"].startswith("scan_")


def test_request_ids_are_fresh(api):
    assert scan(api, "one")["requestId"] != scan(api, "one")["requestId"]


@pytest.mark.parametrize("body, expected", [
    ({"prompt": ""}, "Missing required field: prompt"),
    ({"prompt": "x" * 10001}, "Invalid field: prompt must be at most 10000 characters"),
    ({"prompt": "x", "locale": "fr"}, "Invalid field: locale must be one of ja, en, zh"),
    ({"prompt": "x", "semantic": "always"}, "Invalid field: semantic must be one of off, shadow, enforce"),
])
def test_what_scan_prompt_refuses(api, body, expected):
    assert error_of(api.signed(SCAN, body)) == (400, expected)
