"""Credentials on the wire: the merchant signature as a `requests` auth, and redaction of secrets."""

from __future__ import annotations

import time
from collections.abc import Mapping

import requests

from ..adapters import keys

# Headers whose values are credentials: never printed, never written to a report.
SECRET_HEADERS = frozenset({"x-signature", "authorization", "x-merchant-id", "cookie"})


class MerchantSignature(requests.auth.AuthBase):
    """Signs the exact bytes `requests` is about to send, as the official SDKs do."""

    def __init__(self, merchant_id: str, private_key_pem: str):
        self.merchant_id = merchant_id
        self._private_key_pem = private_key_pem

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        stamp = str(int(time.time()))
        path = (request.path_url or "/").split("?", 1)[0]
        canonical = keys.canonical_request(request.method or "POST", path, stamp, body)
        request.headers.update({
            "X-Merchant-Id": self.merchant_id,
            "X-Timestamp": stamp,
            "X-Signature": keys.sign(self._private_key_pem, canonical),
        })
        return request


def redacted(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: "<redacted>" if name.lower() in SECRET_HEADERS else value for name, value in headers.items()}
