"""Counts in the command line's English: "1 article", "2 articles", "3 entries"."""

from __future__ import annotations

__all__ = ["counted"]


def counted(n: int, noun: str) -> str:
    """n and the noun, plural unless n is 1 ("1 feed", "1,204 entries")."""
    if n == 1:
        return f"1 {noun}"
    plural = noun[:-1] + "ies" if noun.endswith("y") and noun[-2:-1] not in "aeiou" else noun + "s"
    return f"{n:,} {plural}"
