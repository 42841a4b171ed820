"""Merchant API keys: RSA-SHA256 (PKCS#1 v1.5) request signatures, as the real gateway checks them."""

from __future__ import annotations

import base64
import binascii
import hashlib
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa


def canonical_request(method: str, path: str, timestamp: str, body: bytes) -> bytes:
    body_hash = base64.b64encode(hashlib.sha256(body).digest()).decode()
    return f"{method}\n{path}\n{timestamp}\n{body_hash}".encode()


def verify(public_key_pem: str, message: bytes, signature_b64: str) -> bool:
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError):
        return False
    try:
        _public_key(public_key_pem).verify(signature, message, padding.PKCS1v15(), hashes.SHA256())
    except InvalidSignature:
        return False
    return True


@lru_cache(maxsize=256)
def _public_key(public_key_pem: str) -> rsa.RSAPublicKey:
    key = serialization.load_pem_public_key(public_key_pem.encode())
    assert isinstance(key, rsa.RSAPublicKey)
    return key


@lru_cache(maxsize=16)
def _private_key(private_key_pem: str) -> rsa.RSAPrivateKey:
    # Loading checks the RSA key (~60 ms); a signature takes ~1 ms. Clients sign with few keys.
    key = serialization.load_pem_private_key(private_key_pem.encode(), password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


def public_pem(private_key_pem: str) -> str:
    """The SubjectPublicKeyInfo PEM that verifies this private key's signatures."""
    return _private_key(private_key_pem).public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()


def sign(private_key_pem: str, message: bytes) -> str:
    signature = _private_key(private_key_pem).sign(message, padding.PKCS1v15(), hashes.SHA256())
    return base64.b64encode(signature).decode()


def generate_key_pair() -> tuple[str, str]:
    """A fresh RSA-2048 pair as (PKCS#8 private PEM, SubjectPublicKeyInfo public PEM)."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    private_pem = key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    ).decode()
    public_pem = key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    ).decode()
    return private_pem, public_pem


def generate_private_keys(count: int) -> list[str]:
    """`count` fresh RSA-2048 private PEMs, made side by side: OpenSSL's key generation runs
    without the GIL, so a fresh data dir's four keys take about the time of two."""
    with ThreadPoolExecutor(count) as pool:
        return [pair[0] for pair in pool.map(lambda _: generate_key_pair(), range(count))]
