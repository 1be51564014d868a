"""Best passage of an article for a query, with the spans of the matched words (no markup)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .models import Excerpt
from .normalize import _FOLD, fold, normalize

EXCERPT_CHARS = 300
_SENTENCE_END = re.compile(r"(?<=[.!?…;])[\"”’)]*\s+(?=[\"“(]?[^\W_a-zà-ỹđ])|\n+")
_SYLLABLE = re.compile(r"[^\W_]+")
_NON_WORD = re.compile(r"[\W_]")


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


def _punct_table() -> dict[int, str]:
    marks = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~“”‘’…–—«»·•°±×÷§¶\u00a0\t\r"
    return {ord(c): " " for c in marks}


_FOLD_PUNCT = {**_FOLD, **_punct_table()}


def _folded(text: str) -> str | None:
    """Lower-case, accent-folded text with punctuation as spaces, offsets kept."""
    # tone style does not matter once tones are folded away, so no regex pass is needed
    folded = text.lower().translate(_FOLD_PUNCT)
    return folded if len(folded) == len(text) else None  # a letter whose lower case is longer


def find_spans(
    text: str, terms: Sequence[MatchTerm], folded: str | None = None
) -> list[tuple[int, int, int]]:
    """(start, end, term index) of every match of a term in the text, accent-insensitive."""
    if folded is None:
        folded = _folded(text)
    if folded is None:
        sylls = [(m.start(), m.end(), fold(normalize(m.group()))) for m in _SYLLABLE.finditer(text)]
    else:
        sylls = [(m.start(), m.end(), m.group()) for m in _SYLLABLE.finditer(folded)]
    by_first: dict[str, list[int]] = {}
    for ti, term in enumerate(terms):
        by_first.setdefault(term.syllables[0], []).append(ti)
    spans = []
    i = 0
    while i < len(sylls):
        best = None
        for ti in by_first.get(sylls[i][2], ()):
            syl = terms[ti].syllables
            n = len(syl)
            if (
                i + n <= len(sylls)
                and all(sylls[i + j][2] == syl[j] for j in range(1, n))
                and (best is None or n > len(terms[best].syllables))
            ):
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
    folded = _folded(body)
    keys = [f" {' '.join(t.syllables)} " for t in terms]

    def score(s: int, e: int) -> float:
        if folded is None:
            found = find_spans(body[s:e], terms)
            counts = [sum(1 for *_, t in found if t == ti) for ti in range(len(terms))]
        else:
            # whole-syllable substring counts: cheap, and exact enough to choose a passage
            piece = f" {folded[s:e]} "
            counts = [piece.count(k) for k in keys]
        present = [ti for ti, c in enumerate(counts) if c]
        # distinct words first; repeats only break ties (a tenth of the mean weight each)
        found = sum(terms[ti].weight for ti in present)
        return (
            found + 0.1 * found / len(present) * min(sum(counts) - len(present), 3)
            if present
            else 0.0
        )

    # the best paragraph first (cheap), then the best sentences inside it
    para, para_score, offset = (0, len(body)), 0.0, 0
    for line in body.split("\n"):
        got = score(offset, offset + len(line)) if line.strip() else 0.0
        if got > para_score:
            para, para_score = (offset, offset + len(line)), got
        offset += len(line) + 1
    if para_score == 0.0:  # nothing matched in the body (a title match): show the lead
        para = next(((a, b) for a, b in _sentences(body)), (0, len(body)))
        para = (para[0], len(body))
    sentences = [(a + para[0], b + para[0]) for a, b in _sentences(body[para[0] : para[1]])]
    if not sentences:
        return Excerpt("")
    best, best_score = 0, 0.0
    for si, (s, e) in enumerate(sentences):
        got = score(s, e)
        if got > best_score:
            best, best_score = si, got
    start, end = sentences[best]
    # one sentence is often a short caption: add the next while it fits
    nxt = best + 1
    while nxt < len(sentences) and sentences[nxt][1] - start <= limit:
        end = sentences[nxt][1]
        nxt += 1
        if end - start >= limit * 0.6:
            break
    found = find_spans(body[start:end], terms, folded[start:end] if folded else None)
    spans = _merge(body, [(a + start, b + start) for a, b, _ in found])
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
