"""Best passage of an article for a query, with the spans of the matched words (no markup)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .models import Excerpt
from .normalize import fold, normalize

EXCERPT_CHARS = 300
_SENTENCE_END = re.compile(r"(?<=[.!?…;])[\"”’)]*\s+(?=[\"“(]?[^\W_a-zà-ỹđ])|\n+")
_SYLLABLE = re.compile(r"[^\W_]+")


@dataclass(frozen=True, slots=True)
class MatchTerm:
    """A query word as the syllables to find (folded) and its weight (idf)."""

    syllables: tuple[str, ...]
    weight: float


def match_terms(terms: Sequence[str], weights: Sequence[float]) -> list[MatchTerm]:
    """MatchTerms for index terms ("hà_nội" -> ("ha", "noi"))."""
    out: dict[tuple[str, ...], float] = {}
    for term, weight in zip(terms, weights, strict=True):
        key = tuple(fold(term).split("_"))
        out[key] = max(out.get(key, 0.0), weight)
    return [MatchTerm(k, w) for k, w in out.items()]


def find_spans(text: str, terms: Sequence[MatchTerm]) -> list[tuple[int, int, int]]:
    """(start, end, term index) of every match of a term in the text, accent-insensitive."""
    sylls = [(m.start(), m.end(), fold(normalize(m.group()))) for m in _SYLLABLE.finditer(text)]
    spans = []
    i = 0
    while i < len(sylls):
        best = None
        for ti, term in enumerate(terms):
            n = len(term.syllables)
            if i + n <= len(sylls) and all(
                sylls[i + j][2] == term.syllables[j] for j in range(n)
            ) and (best is None or n > len(terms[best].syllables)):
                best = ti
        if best is None:
            i += 1
            continue
        n = len(terms[best].syllables)
        spans.append((sylls[i][0], sylls[i + n - 1][1], best))
        i += n
    return spans


def _sentences(body: str) -> list[tuple[int, int]]:
    out, start = [], 0
    for m in _SENTENCE_END.finditer(body):
        if m.start() > start:
            out.append((start, m.start()))
        start = m.end()
    if start < len(body):
        out.append((start, len(body)))
    return out


def excerpt(body: str, terms: Sequence[MatchTerm], limit: int = EXCERPT_CHARS) -> Excerpt:
    """The one or two sentences of the body that best cover the terms, cut near limit chars."""
    if not body:
        return Excerpt("")
    sentences = _sentences(body)
    folded = fold(normalize(body))
    if len(folded) != len(body):  # a rare letter whose lower case is longer: no prefilter
        folded = None
    keys = [" ".join(t.syllables) for t in terms]
    best, best_score = 0, 0.0
    for si, (s, e) in enumerate(sentences):
        # cheap substring test first: the exact syllable match runs on few sentences
        if folded is not None and not any(k in folded[s:e] for k in keys):
            continue
        found = find_spans(body[s:e], terms)
        if not found:
            continue
        distinct = {t for _, _, t in found}
        score = sum(terms[t].weight for t in distinct) + 0.1 * (len(found) - len(distinct))
        if score > best_score:
            best, best_score = si, score
    start, end = sentences[best]
    # one sentence is often a short caption: add the next while it fits
    nxt = best + 1
    while nxt < len(sentences) and sentences[nxt][1] - start <= limit:
        end = sentences[nxt][1]
        nxt += 1
        if end - start >= limit * 0.6:
            break
    spans = _merge(body, [(a + start, b + start) for a, b, _ in find_spans(body[start:end], terms)])
    return _cut(body, start, end, spans, limit)


def _merge(text: str, spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """Join matches separated only by spaces ("Giá" "vàng" -> "Giá vàng")."""
    out: list[tuple[int, int]] = []
    for a, b in spans:
        if out and not text[out[-1][1] : a].strip():
            out[-1] = (out[-1][0], b)
        else:
            out.append((a, b))
    return out


def _cut(body: str, start: int, end: int, spans: list[tuple[int, int]], limit: int) -> Excerpt:
    prefix = suffix = ""
    if end - start > limit:
        # centre the window on the first match, then snap both ends to word boundaries
        anchor = spans[0][0] if spans else start
        lo = max(start, min(anchor - limit // 3, end - limit))
        hi = min(end, lo + limit)
        if lo > start:
            sp = body.find(" ", lo, hi)
            lo = sp + 1 if 0 <= sp < anchor else lo
            prefix = "…"
        if hi < end:
            sp = body.rfind(" ", lo, hi)
            hi = sp if sp > lo else hi
            suffix = "…"
        start, end = lo, hi
    text = body[start:end].strip()
    shift = body.find(text, start) - start if text else 0
    base = start + shift
    kept = tuple(
        (a - base + len(prefix), b - base + len(prefix))
        for a, b in spans
        if a >= base and b <= base + len(text)
    )
    return Excerpt(prefix + text + suffix, kept)
