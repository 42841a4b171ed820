"""The bench's feeds (bench/load.py): what wrk sends must be what the mock accepts."""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "bench"))

import load  # noqa: E402
from pancake_mock.adapters import keys  # noqa: E402
from pancake_mock.verify.signing import MerchantSignature  # noqa: E402


def feed_lines(path: Path) -> list[tuple[str, dict[str, str], str]]:
    """A feed read back the way bench/feed.lua reads it: path, "Name: value" headers, body, by tabs."""
    lines = []
    for line in path.read_text().splitlines():
        path_field, *headers, body = line.split("\t")
        lines.append((path_field, dict(header.split(": ", 1) for header in headers), body))
    return lines


def test_signed_feed_lines_carry_a_signature_the_mock_verifies(tmp_path: Path) -> None:
    private, public = keys.generate_key_pair()
    feed = load.write_feed(tmp_path / "sessions.feed",
                           load.session_requests(MerchantSignature("MER_1", private), "PROD_1", "EUR", 3))
    lines = feed_lines(feed)
    assert len({body for _, _, body in lines}) == 3, "each body is distinct"
    for path, headers, body in lines:
        message = keys.canonical_request("POST", path, headers["X-Timestamp"], body.encode())
        assert keys.verify(public, message, headers["X-Signature"])
        assert headers["X-Merchant-Id"] == "MER_1" and json.loads(body)["productId"] == "PROD_1"


def test_order_feed_gives_each_session_one_line_and_takes_tokens_in_turn(tmp_path: Path) -> None:
    feed = load.write_feed(tmp_path / "orders.feed", load.order_requests(["cs_a", "cs_b", "cs_c"], ["t1", "t2"]))
    lines = feed_lines(feed)
    assert [json.loads(body)["checkoutSessionId"] for _, _, body in lines] == ["cs_a", "cs_b", "cs_c"]
    assert [headers["Authorization"] for _, headers, _ in lines] == ["Bearer t1", "Bearer t2", "Bearer t1"]
    assert {path for path, _, _ in lines} == {load.CREATE_ORDER}
