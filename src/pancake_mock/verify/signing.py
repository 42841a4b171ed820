"""Credentials on the wire: the merchant signature as a `requests` auth, and redaction of secrets.

The signature is implemented here from the contract's words (openapi/pancake.yaml, info), not
borrowed from the mock's key code: verify judges a server, so a bug in that server's signature
check must fail verify, not be shared by it.
"""

from __future__ import annotations

import base64
import hashlib
import time
from collections.abc import Mapping

import requests
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

# Headers whose values are credentials: never printed, never written to a report.
SECRET_HEADERS = frozenset({"x-signature", "authorization", "x-merchant-id", "cookie", "x-control-token"})


def canonical_string(method: str, path: str, timestamp: str, raw_body: bytes) -> bytes:
    """method + "\\n" + path + "\\n" + X-Timestamp + "\\n" + base64(SHA-256(rawBody))."""
    body_digest = base64.b64encode(hashlib.sha256(raw_body).digest())
    return b"\n".join((method.encode(), path.encode(), timestamp.encode(), body_digest))


class MerchantSignature(requests.auth.AuthBase):
    """Signs the exact bytes `requests` is about to send, as the official SDKs do:
    X-Signature = base64(RSA-SHA256-PKCS1v1.5(privateKey, canonical string)), over the path after
    the base URL's own path (`base_path`: a mock tenant's `/t/{tenantId}`), as the SDK signs it."""

    def __init__(self, merchant_id: str, private_key_pem: str, base_path: str = ""):
        key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
        if not isinstance(key, rsa.RSAPrivateKey):
            raise ValueError("a merchant API key must be an RSA private key")
        self.merchant_id = merchant_id
        self.base_path = base_path.rstrip("/")
        self._key = key  # loaded once: loading checks the key (~60 ms), a signature takes ~1 ms

    @classmethod
    def with_unknown_key(cls, merchant_id: str) -> MerchantSignature:
        """Signs correctly, with a key no deployment has ever seen."""
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
        return cls(merchant_id, pem.decode())

    def signature(self, canonical: bytes) -> str:
        return base64.b64encode(self._key.sign(canonical, padding.PKCS1v15(), hashes.SHA256())).decode()

    def __call__(self, request: requests.PreparedRequest) -> requests.PreparedRequest:
        body = request.body or b""
        body = body.encode() if isinstance(body, str) else body
        stamp = str(int(time.time()))
        path = (request.path_url or "/").split("?", 1)[0]
        if self.base_path and path.startswith(self.base_path + "/"):
            path = path[len(self.base_path):]
        request.headers.update({
            "X-Merchant-Id": self.merchant_id,
            "X-Timestamp": stamp,
            "X-Signature": self.signature(canonical_string(request.method or "POST", path, stamp, body)),
        })
        return request


def redacted(headers: Mapping[str, str]) -> dict[str, str]:
    return {name: "<redacted>" if name.lower() in SECRET_HEADERS else value for name, value in headers.items()}
