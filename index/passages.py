"""Passages: the sentence windows of an article that best answer a question.

A reader's question is usually answered by one or two sentences of a long article, so the
ranking looks again at its leading candidates: each is scored by its best window of
sentences (question words found close together, rarer words counting for more), and that
window is the excerpt the reader sees.
"""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from functools import lru_cache

from . import passage_scan as scan
from .normalize import FOLD_TABLE as _FOLD
from .normalize import TONE_STYLE as _TONE_STYLE
from .normalize import fold, has_diacritics

# bodies whose sentences are kept: a search splits each candidate's body for its passage,
# its excerpt and the lead's wider window, and the next question often ranks it again
SENTENCE_CACHE = 2048
# texts a Matcher keeps its matches of (one search's candidates: bodies, titles, excerpts)
FOUND_CACHE = 256


@dataclass(frozen=True, slots=True)
class Term:
    """A question word: its syllables as typed (accented, or folded when typed without)."""

    syllables: tuple[str, ...]
    weight: float  # idf: rarer words count for more
    exact: bool  # typed with diacritics: only the same accents match


@dataclass(frozen=True, slots=True)
class Passage:
    """The best window of an article for a question: body offsets and its score."""

    start: int
    end: int
    score: float


@lru_cache(maxsize=SENTENCE_CACHE)
def sentences(body: str) -> tuple[tuple[int, int], ...]:
    """(start, end) of every sentence of a body; paragraphs always end one.

    A sentence ends at . ! ? … ; : (with closing quotes) before a word that is not in lower
    case ("TP. HCM" and "3.5" do not end one), and at every newline (passage_scan.c).
    """
    return scan.sentences(body)  # (shared by every caller of the cache: not to be changed)


def each_sentence(body: str) -> Iterator[tuple[int, int]]:
    """sentences() one at a time, uncached: for a piece of a body (an excerpt's tail)."""
    return iter(scan.sentences(body))


def _letter_classes() -> dict[str, str]:
    # every lower-case letter that folds to a, d, e ...: "a" -> "[aàáảãạăằ...]"
    groups: dict[str, set[str]] = {}
    for code, base in _FOLD.items():
        ch = chr(code)
        if ch == ch.lower():
            groups.setdefault(base.lower(), {base.lower()}).add(ch)
    return {b: "[" + "".join(sorted(g)) + "]" for b, g in groups.items()}


_CLASSES = _letter_classes()
# the other tone-mark style of a syllable in pyvi's style ("hoà" -> "hòa")
_OTHER_STYLE = {pyvi: other.lower() for other, pyvi in _TONE_STYLE.items()}
_OTHER_RE = re.compile("(" + "|".join(sorted(_OTHER_STYLE)) + r")(?![^\W\d_])")
_BETWEEN = r"[^\w\n]+"  # syllables of one word: anything but letters or a paragraph end


def _syllable_pattern(syllable: str, exact: bool) -> str:
    alternatives = [first + rest for first, rest in _syllable_heads(syllable, exact)]
    return alternatives[0] if len(alternatives) == 1 else f"(?:{'|'.join(alternatives)})"


def _syllable_heads(syllable: str, exact: bool) -> list[tuple[str, str]]:
    """A syllable's pattern as alternatives, each (its first character's, the rest's)."""
    if not exact:
        chars = [_CLASSES.get(ch, re.escape(ch)) for ch in syllable]
        return [(chars[0] if chars else "", "".join(chars[1:]))]
    return [(re.escape(s[:1]), re.escape(s[1:])) for s in _spellings(syllable)]


def _spellings(syllable: str) -> list[str]:
    """An accented syllable as typed, and in the other tone-mark style if it has one."""
    other = _OTHER_RE.sub(lambda m: _OTHER_STYLE[m.group(1)], syllable)
    return list(dict.fromkeys((syllable, other)))


def _terms_pattern(terms: Sequence[Term]) -> re.Pattern:
    """One pattern for the terms, a group each, in order, at word boundaries.

    It opens with the class of every term's first character, so the regex engine skips
    to those (2x faster than trying every term at every character); each term checks its
    own first character behind it ((?<=...)), then matches the rest.
    """
    firsts, alternatives = [], []
    for t in terms:
        heads = _syllable_heads(t.syllables[0], t.exact)
        rest = "".join(_BETWEEN + _syllable_pattern(x, t.exact) for x in t.syllables[1:])
        firsts += [f for f, _ in heads]
        alternatives.append("(?:" + "|".join(f"(?<={f}){r}" for f, r in heads) + ")" + rest)
    if not all(firsts):  # an empty first syllable: the plain form, tried at every character
        plain = [_BETWEEN.join(_syllable_pattern(x, t.exact) for x in t.syllables) for t in terms]
        return re.compile(r"(?<!\w)(?:" + "|".join(f"({a})" for a in plain) + r")(?!\w)")
    # (?<!\w.): no letter before the first character (the one the class took)
    items = (x for f in firsts for x in (f[1:-1] if f.startswith("[") else [f]))
    opening = "[" + "".join(dict.fromkeys(items)) + "]"  # (each character once: compiles faster)
    body = "|".join(f"({a})" for a in alternatives)
    return re.compile(opening + r"(?<!\w(?s:.))(?:" + body + r")(?!\w)")


def match_terms(words: Sequence[str], weights: Sequence[float]) -> list[Term]:
    """Terms for index words ("hà_nội"): accent-exact when typed with diacritics."""
    out: dict[tuple[tuple[str, ...], bool], float] = {}
    for word, weight in zip(words, weights, strict=True):
        exact = has_diacritics(word)
        key = (tuple((word if exact else fold(word)).split("_")), exact)
        out[key] = max(out.get(key, 0.0), weight)
    return [Term(s, w, e) for (s, e), w in out.items()]


def weighed(terms: Sequence[Term], power: float) -> list[Term]:
    """The same terms, each weight raised to power (the matcher's order is theirs)."""
    return [Term(t.syllables, t.weight**power, t.exact) for t in terms]


class Matcher:
    """Finds a question's terms in text: accented words as typed, bare ones folded."""

    def __init__(self, terms: Sequence[Term]):
        self.terms = list(terms)
        # the longest word first, so it wins where words overlap ("hà nội" over "hà")
        order = sorted(
            range(len(self.terms)), key=lambda i: -len(" ".join(self.terms[i].syllables))
        )
        self._group_term = {group: ti for group, ti in enumerate(order, 1)}
        # C finds them (passage_scan.c), but for a syllable left empty, which only the
        # plain pattern handles as the regular expression engine does
        plain = any(not s for t in self.terms for s in t.syllables)
        self._pattern = _terms_pattern([self.terms[ti] for ti in order]) if plain else None
        self._spec = None if plain else scan.pack([_packed(ti, self.terms[ti]) for ti in order])
        self._weights = scan.weights([t.weight for t in self.terms])
        self._found: dict[str, list[tuple[int, int, int]]] = {}

    def find(self, text: str) -> list[tuple[int, int, int]]:
        """(start, end, term index) of every match in a text, in order; offsets into text.

        A search looks in a candidate's body for its passage, then for its excerpt: the
        matches of the last FOUND_CACHE texts are kept (not to be changed by callers).
        """
        if not self.terms:
            return []
        found = self._found.get(text)
        if found is None:
            if len(self._found) >= FOUND_CACHE:
                self._found.clear()
            found = self._found[text] = self._find(text)
        return found

    def _find(self, text: str) -> list[tuple[int, int, int]]:
        if self._spec is not None:
            return scan.find(text, _lowered_in_python(text), self._spec, len(self.terms))
        group = self._group_term
        found = self._pattern.finditer(_lowered(text))
        return [(m.start(), m.end(), group[m.lastindex]) for m in found]

    def passage(self, text: str, window: int, proximity: float, whole: bool = False) -> Passage:
        """The best window of up to `window` sentences of a text (whole: it is one)."""
        return self.passages([text], window, proximity, whole)[0]

    def passages(
        self, texts: Sequence[str], window: int, proximity: float, whole: bool = False
    ) -> list[Passage]:
        """passage() of each text, in one call to C."""
        if self._spec is None:
            spans = [[(0, len(t))] if whole else sentences(t) for t in texts]
            pairs = zip(texts, spans, strict=True)
            return [_best_window(t, s, self, window, proximity) for t, s in pairs]
        lowered = [_lowered_in_python(t) for t in texts]
        found = scan.passages(texts, lowered, whole, self._spec, self._weights, window, proximity)
        return [Passage(*f) for f in found]


def _lowered_in_python(text: str) -> str | None:
    """_lowered(text) where C's lower case could differ from str.lower()'s, else None.

    C lowers each character alone; str.lower() does not for "İ" (two characters) and "Σ"
    (σ or ς by its neighbours).
    """
    return _lowered(text) if "\u0130" in text or "\u03a3" in text else None


def _lowered(text: str) -> str:
    """The text in lower case, each character where it was (the matches' offsets hold)."""
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter whose lower case is longer ("İ"): rare
        lowered = "".join(ch if len(ch.lower()) != 1 else ch.lower() for ch in text)
    return lowered


def _packed(index: int, term: Term) -> tuple[int, list[tuple[bool, list[str]]]]:
    """A term as passage_scan.pack takes it: each syllable's alternatives, as the pattern's."""
    if not term.exact:  # (each character then matches the letters that fold to it)
        return index, [(False, [s]) for s in term.syllables]
    return index, [(True, _spellings(s)) for s in term.syllables]


# a sentence opening with a backward reference ("Đây là ...", "Điều này ...", "Do đó ...")
# leans on the one before it, which often holds what it refers to: the answer
_BACKWARD = re.compile(
    r"[\"“(]?(?:Đây|Điều này|Điều đó|Việc này|Việc đó|Đó|Như vậy|Vì vậy|Do đó|Do vậy|"
    r"Theo đó|Trong đó|Sau đó|Bên cạnh đó|Ngoài ra)(?!\w)"
)


def with_antecedent(body: str, passage: Passage) -> Passage:
    """The passage from the sentence before when its first sentence refers back to it."""
    if not _BACKWARD.match(body, passage.start):
        return passage
    before = [s for s, e in each_sentence(body[: passage.start]) if body[s:e].strip()]
    return Passage(before[-1], passage.end, passage.score) if before else passage


def best_passage(
    body: str,
    matcher: Matcher,
    window: int = 1,
    proximity: float = 0.0,
    title: str = "",
) -> Passage:
    """The window of up to `window` sentences whose question words weigh the most.

    proximity: two different question words side by side (a phrase of the question, as
    the reader copied it) add proximity x the lighter one's weight. A title, when given,
    competes as one more passage: its score counts, the excerpt stays in the body.
    """
    best = matcher.passage(body, window, proximity)
    if title:
        heading = matcher.passage(title, 1, proximity, whole=True)
        if heading.score > best.score:
            return Passage(best.start, best.end, heading.score)
    return best


def _best_window(
    text: str,
    spans: Sequence[tuple[int, int]],
    matcher: Matcher,
    window: int,
    proximity: float,
) -> Passage:
    if not spans:
        return Passage(0, 0, 0.0)
    found = matcher.find(text)
    if not found:
        return Passage(spans[0][0], spans[min(window, len(spans)) - 1][1], 0.0)
    terms = matcher.terms
    starts = [s for s, _ in spans]
    # only the sentences with a match, by index (a long body has hundreds of others), each
    # with its terms in the order found (the sums below add their weights in that order)
    per_sentence: dict[int, dict[int, None]] = {}
    bonus: dict[int, float] = {}
    last_end, last_term = -10, -1
    si, upto = 0, starts[1] if len(starts) > 1 else None  # the sentence, where the next starts
    for s, e, ti in found:  # in order: the sentence only moves forward
        if upto is not None and s >= upto:
            si = bisect_right(starts, s, si) - 1
            upto = starts[si + 1] if si + 1 < len(starts) else None
        held = per_sentence.get(si)
        if held is None:
            per_sentence[si] = {ti: None}
        elif ti not in held:
            held[ti] = None
        if proximity and ti != last_term and 0 <= s - last_end <= 2:
            bonus[si] = bonus.get(si, 0.0) + proximity * min(
                terms[ti].weight, terms[last_term].weight
            )
        last_end, last_term = e, ti
    best, span = -1.0, spans[0]
    for first in sorted(per_sentence):  # a window worth having starts on a match
        if window == 1:
            score = bonus.get(first, 0.0) + sum([terms[ti].weight for ti in per_sentence[first]])
            if score > best + 1e-9:
                best, span = score, spans[first]
            continue
        tf: dict[int, None] = {}
        extra = 0.0
        for si in range(first, min(first + window, len(spans))):
            tf.update(per_sentence.get(si, ()))
            extra += bonus.get(si, 0.0)
            # each question word counts once: a sentence answering a question holds its
            # words, it does not repeat them (repeats counted, k1 1.2, ranked worse)
            score = extra + sum([terms[ti].weight for ti in tf])
            if score > best + 1e-9:
                best, span = score, (spans[first][0], spans[si][1])
    return Passage(span[0], span[1], best)
