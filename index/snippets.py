"""The excerpt a reader sees: the best passage, cut to size, with the matched words' spans."""

from __future__ import annotations

from .models import Excerpt
from .passages import Matcher, Passage, best_passage, each_sentence, with_antecedent
from .ranking import Ranking

EXCERPT_CHARS = 300
LEAD_EXCERPT_CHARS = 450  # the first hit's: what a reader reads without tapping


def excerpt(
    body: str, matcher: Matcher, limit: int = EXCERPT_CHARS, passage: Passage | None = None
) -> Excerpt:
    """The passage of the body that best answers the question, cut near limit chars.

    passage: the window the ranking already chose (else it is found here); the lead when
    no question word is in the body (a title match).
    """
    if not body:
        return Excerpt("")
    if passage is None:
        passage = best_passage(body, matcher)
    start, end = passage.start, passage.end
    if end <= start:
        return Excerpt("")
    # the answer is often the next sentence ("... can be prevented. Removing polyps ..."):
    # add the following ones while they fit (split only as far as that)
    for _, e in each_sentence(body[passage.end :]):
        if passage.end + e - start > limit:
            break
        end = passage.end + e
    found = matcher.find(body[start:end])
    spans = _merge(body, [(a + start, b + start) for a, b, _ in found])
    return _cut(body, start, end, spans, limit)


def hit_excerpt(
    body: str, matcher: Matcher, passage: Passage | None, ranking: Ranking, lead: bool
) -> Excerpt:
    """A hit's excerpt; the first answer of a question gets a wider window and more room."""
    if not lead:
        return excerpt(body, matcher, EXCERPT_CHARS, passage=passage)
    if passage is None or ranking.lead_window != ranking.passage_window:
        passage = best_passage(body, matcher, ranking.lead_window)
    return excerpt(body, matcher, LEAD_EXCERPT_CHARS, passage=with_antecedent(body, passage))


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
