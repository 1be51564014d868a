"""Story grouping: the same story from several outlets shows once, naming the others."""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from functools import lru_cache

from .normalize import INVISIBLE
from .passage_scan import folded_syllables

SYLLABLE = re.compile(r"[^\W_]+")  # a headline's syllables (story_key finds them in C)
# Story grouping compares a headline with at most this many earlier ones sharing a rare
# syllable, so grouping stays linear in the number of results whatever they hold.
MAX_STORY_CANDIDATES = 64
STORY_SIMILARITY = 0.8  # Jaccard of folded headline syllables: a word in five may differ
# headlines whose keys are kept: a search groups its ~40 candidates, and the next questions
# about the same news rank many of them again
STORY_KEYS = 4096


@lru_cache(maxsize=STORY_KEYS)
def story_key(title: str) -> frozenset[str]:
    """A headline as the set of its folded syllables: those of fold(normalize(title))."""
    # (normalize's tone-mark style left out: it moves marks that folding takes off; the
    # folding and the syllables in C, 5x faster than str.translate and findall)
    lowered = unicodedata.normalize("NFC", INVISIBLE.sub("", title)).lower()
    return frozenset(folded_syllables(unicodedata.normalize("NFC", lowered)))


def group_stories(
    ranked: list[tuple[int, str, str | None]],
) -> list[tuple[int, tuple[str, ...]]]:
    """Fold (docno, title, source) with (nearly) the same headline into the best ranked one."""
    keys = [story_key(title) for _, title, _ in ranked]
    # Prefix filter: order each key's syllables; two keys this similar always share one of
    # the first len - ceil(STORY_SIMILARITY x len) + 1 syllables of each, so only groups
    # filed under those need comparing. Any one order finds the same groups while no
    # syllable files more than MAX_STORY_CANDIDATES: the syllables' own (in C) for a page's
    # candidates, rarest first (fewest to compare) for longer lists.
    counts = Counter(s for key in keys for s in key) if len(ranked) > MAX_STORY_CANDIDATES else {}
    groups: list[tuple[int, str | None, frozenset[str], list[str]]] = []
    filed: dict[str, list[int]] = {}
    for (docno, _, source), key in zip(ranked, keys, strict=True):
        size = len(key)
        prefix = sorted(key, key=(lambda s: (counts[s], s)) if counts else None)
        prefix = prefix[: size - math.ceil(STORY_SIMILARITY * size - 1e-9) + 1]
        candidates = sorted({g for s in prefix for g in filed.get(s, ())})
        for g in candidates:
            _, first_source, first_key, others = groups[g]
            other = len(first_key)
            # the smaller key over the larger bounds the similarity: most fail this cheaply
            if min(size, other) < STORY_SIMILARITY * max(size, other) - 1e-9:
                continue
            shared = len(key & first_key)
            if shared / (size + other - shared) >= STORY_SIMILARITY:
                if source and source != first_source and source not in others:
                    others.append(source)
                break
        else:
            if key:
                for s in prefix:
                    entries = filed.setdefault(s, [])
                    if len(entries) < MAX_STORY_CANDIDATES:
                        entries.append(len(groups))
            groups.append((docno, source, key, []))
    return [(d, tuple(o)) for d, _, _, o in groups]
