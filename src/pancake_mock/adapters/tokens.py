"""Session tokens on the wire: HS256 JWTs whose `jti` names the stored token.

The signature only proves the mock minted the string; expiry, renewal and single use live in
the store, so the JWT carries no `exp` of its own.
"""

from __future__ import annotations

from functools import lru_cache

import jwt

# Verifying an HS256 JWT costs about 100 µs; a buyer sends the same token on every call.
KNOWN_TOKENS = 4096


class TokenCodec:
    def __init__(self, secret: str):
        self._secret = secret
        # A string verified once stays verified (the secret never changes in a process).
        self.decode = lru_cache(maxsize=KNOWN_TOKENS)(self._decode)

    def encode(self, token_id: str, store_id: str, role: str) -> str:
        claims = {"jti": token_id, "sid": store_id, "role": role}
        return jwt.encode(claims, self._secret, algorithm="HS256")

    def _decode(self, token: str) -> str | None:
        """The token id, or None when the string is not a token this mock minted."""
        try:
            claims = jwt.decode(token, self._secret, algorithms=["HS256"])
        except jwt.PyJWTError:
            return None
        token_id = claims.get("jti")
        return token_id if isinstance(token_id, str) else None
