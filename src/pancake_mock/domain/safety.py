"""Content safety (verification/scan-prompt): a deterministic verdict decided by test markers in
the prompt, so a team can drive each branch of its AIGC gate. The mock judges no real content.

    #block:<category>    block, restricted_content, that category (any of the block categories)
    #review[:<category>] review, review_required (with that category, if given)
    #degraded            review, service_degraded: the platform fails closed when it cannot judge
    anything else        allow, allowed
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .commands import ScanPrompt
from .ports import Transaction

BLOCK_CATEGORIES = ("csam_minor", "sexual_violence_nonconsensual", "undress_transform", "face_swap_identity",
                    "bestiality_restricted")
CATEGORIES = (*BLOCK_CATEGORIES, "adult_nsfw")
_MARKER = re.compile(r"#(block|review|degraded)(?::([a-z_]+))?", re.IGNORECASE)
# How the semantic channel took part, by the mode asked for, when the rules did not decide alone.
SEMANTIC_STATUS = {"off": "disabled", "shadow": "shadow_scored", "enforce": "scored"}


@dataclass(frozen=True)
class Verdict:
    action: str  # allow | review | block
    reason_code: str
    matched_categories: tuple[str, ...]
    request_id: str
    semantic_status: str


def scan_prompt(tx: Transaction, command: ScanPrompt) -> Verdict:
    markers = [(kind.lower(), (category or "").lower()) for kind, category in _MARKER.findall(command.prompt)]
    blocked = tuple(dict.fromkeys(category for kind, category in markers if kind == "block" and category in BLOCK_CATEGORIES))
    semantic = SEMANTIC_STATUS[command.semantic]
    request_id = f"scan_{tx.new_uuid('scan')}"
    if blocked:
        return Verdict("block", "restricted_content", blocked, request_id,
                       "disabled" if command.semantic == "off" else "skipped_rules_block")
    if any(kind == "degraded" for kind, _ in markers):
        return Verdict("review", "service_degraded", (), request_id,
                       "disabled" if command.semantic == "off" else "provider_timeout")
    reviewed = [category for kind, category in markers if kind == "review"]
    if reviewed:
        return Verdict("review", "review_required", tuple(dict.fromkeys(c for c in reviewed if c in CATEGORIES)),
                       request_id, semantic)
    return Verdict("allow", "allowed", (), request_id, semantic)
