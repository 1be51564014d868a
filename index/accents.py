"""A bare question spelt with the accents its candidate articles give its syllables."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable

from .normalize import fold, has_diacritics, normalize

__all__ = ["restore_accents"]

_SYLLABLE = re.compile(r"[^\W\d_]+")


def restore_accents(question: str, texts: Iterable[str]) -> str:
    """The question with each bare syllable spelt as the texts most often spell it."""
    wanted = {fold(s).lower() for s in _SYLLABLE.findall(question) if not has_diacritics(s)}
    seen: dict[str, Counter] = {}
    for text in texts:
        for s in _SYLLABLE.findall(normalize(text)):
            f = fold(s)
            if f in wanted:
                seen.setdefault(f, Counter())[s] += 1

    def spell(m: re.Match) -> str:
        s = m.group(0)
        found = seen.get(fold(s).lower()) if not has_diacritics(s) else None
        return found.most_common(1)[0][0] if found else s

    return _SYLLABLE.sub(spell, question)
