"""Advisory lock keys: the 64-bit number PostgreSQL locks a name under."""

from __future__ import annotations

import hashlib

__all__ = ["lock_key"]


def lock_key(name: str) -> int:
    """The 64-bit PostgreSQL advisory lock key of a name (a hash: the name may be a secret)."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
