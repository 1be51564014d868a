"""Topics a chat follows: parsed with the search's analysis, matched against new articles.

A topic is a few words, with ``,`` (or ``;``) between alternatives and ``-`` before words to
leave out::

    giá vàng, tỷ giá -quảng cáo

An article matches when every word of at least one alternative appears in it, and no
excluded phrase does. An excluded phrase runs from its ``-`` to the next ``-`` or the end of
its alternative, and applies to the whole topic: ``-quảng cáo`` leaves out articles that
contain both "quảng" and "cáo" as the words pyvi finds (``quảng_cáo``), wherever it was typed.

Words are analyzed exactly as search analyzes a query (``Analyzer``: NFC, one tone-mark
style, lower case, pyvi word segments), then matched against the terms stored for each
article. pyvi segments a phrase alone and inside a sentence differently ("xăng dầu" alone is
``xăng_dầu``, in "trạm xăng dầu ngưng bán" it is ``xăng``, ``dầu``), so a word matches at
the syllable level: a one-syllable word when the article has that syllable, a longer word
when each pair of its neighbouring syllables stands side by side in the article. Both sides
are reduced to *units* (syllables and adjacent-syllable pairs) and a match is a subset test.

An alternative typed without any diacritic ("gia vang") is matched accent-insensitively,
split into words like an accentless search query (``SearchIndex.segment_folded``: pass it,
or each syllable is a word of its own). One with diacritics keeps its accents: "bão" (storm)
does not match "báo" (newspaper); "hòa" and "hoà" are the same word.

The bot side uses this module like this (all calls are CPU work: run them in a thread)::

    topic = parse_topic(text, index.analyzer, index.segment_folded)   # TopicError: tell user
    topics = TopicIndex()                       # one per process, keys are yours
    topics.add((chat_id, topic_id), topic)      # .remove(key) on unsubscribe
    preview = recent_matches(index.store, topic, limit=3)   # [(docno, Article)] newest first
    cursor = index.store.max_docno()            # then deliver only what arrives after it
    matched, cursor = match_since(index.store, topics, cursor)   # [(docno, {keys})]

``match_since`` returns each new article once with every matching key; one chat with several
matching topics appears several times in the keys but should get the article once (group
keys by chat). An edited article is stored again under a new docno, so it comes back from
``match_since``: keep a (chat, article id) record of what was sent.
"""

from __future__ import annotations

import re
import threading
import unicodedata
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from .models import Article
from .normalize import fold, has_diacritics, normalize
from .segment import Analyzer
from .store import Store, StoredDoc

__all__ = [
    "MAX_ALTERNATIVES",
    "MAX_TOPIC_CHARS",
    "MAX_WORDS",
    "ArticleTerms",
    "Phrase",
    "Topic",
    "TopicError",
    "TopicIndex",
    "match_since",
    "parse_topic",
    "recent_matches",
]

MAX_TOPIC_CHARS = 200
MAX_ALTERNATIVES = 10
MAX_WORDS = 8  # per alternative, its excluded words included

# Phones turn "-" into a minus or a dash: all of them start an exclusion.
_DASHES = "-\u2212\u2013\u2014"
_SEPARATORS = re.compile(r"[,;]")
_SYLLABLE = re.compile(r"[^\W_]+")

K = TypeVar("K", bound=Hashable)

_MESSAGES = {
    "empty": ("chủ đề trống", "the topic is empty"),
    "too_long": ("chủ đề dài quá {limit} ký tự", "the topic is over {limit} characters"),
    "too_many_alternatives": (
        "chủ đề có quá {limit} lựa chọn (ngăn bởi dấu phẩy)",
        "over {limit} alternatives (separated by commas)",
    ),
    "too_many_words": (
        "mỗi lựa chọn tối đa {limit} từ",
        "over {limit} words in one alternative",
    ),
    "only_exclusions": (
        "chủ đề chỉ có từ loại trừ (-từ), cần thêm từ phải có",
        "the topic only excludes words (-word): add words it must contain",
    ),
}


class TopicError(ValueError):
    """A topic that cannot be followed; ``code`` names the problem for the bot's own texts.

    Codes: ``empty``, ``too_long``, ``too_many_alternatives``, ``too_many_words``,
    ``only_exclusions``; ``limit`` is the bound that was passed (or 0). ``str()`` gives
    Vietnamese then English: "chủ đề trống (the topic is empty)".
    """

    def __init__(self, code: str, limit: int = 0):
        vi, en = _MESSAGES[code]
        self.code = code
        self.limit = limit
        self.vietnamese = vi.format(limit=limit)
        self.english = en.format(limit=limit)
        super().__init__(f"{self.vietnamese} ({self.english})")


@dataclass(frozen=True, slots=True)
class Phrase:
    """Analyzed words that must all appear; folded ones match accent-insensitively."""

    words: tuple[str, ...]  # terms in index form: "xăng_dầu", or "xang_dau" when folded
    folded: bool
    units: frozenset[str]  # what an article must contain: syllables and "a b" pairs


@dataclass(frozen=True, slots=True)
class ArticleTerms:
    """What matching needs about one article: its units, exact and accent-folded."""

    units: frozenset[str]
    folded_units: frozenset[str]

    @classmethod
    def of(cls, title_terms: Sequence[str], body_terms: Sequence[str]) -> ArticleTerms:
        """Units of an article's stored title and body terms (see store.unpack_terms)."""
        units: set[str] = set()
        folded: set[str] = set()
        # No pair across the title/body boundary: they are not one sentence.
        for terms in (title_terms, body_terms):
            line = " ".join(terms).replace("_", " ")
            _add_units(units, line.split())
            _add_units(folded, fold(line).split())
        return cls(frozenset(units), frozenset(folded))

    @classmethod
    def from_stored(cls, doc: StoredDoc) -> ArticleTerms:
        """Units of an article as the store returns it."""
        return cls.of(doc.title_terms, doc.body_terms)

    def contains(self, phrase: Phrase) -> bool:
        """Whether every word of the phrase appears in the article."""
        return phrase.units <= (self.folded_units if phrase.folded else self.units)


def _add_units(out: set[str], sylls: list[str]) -> None:
    out.update(sylls)
    out.update([a + " " + b for a, b in zip(sylls, sylls[1:], strict=False)])


def _units(words: Iterable[str]) -> frozenset[str]:
    out: set[str] = set()
    for word in words:
        sylls = word.split("_")
        if len(sylls) == 1:
            out.add(word)
        else:
            out.update(a + " " + b for a, b in zip(sylls, sylls[1:], strict=False))
    return frozenset(out)


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed topic: alternatives (any one matches) and exclusions (none may match)."""

    text: str  # display form, re-parses to the same topic: "giá vàng, tỷ giá -quảng cáo"
    alternatives: tuple[Phrase, ...]
    exclusions: tuple[Phrase, ...]

    @property
    def signature(self) -> str:
        """Equal for one topic typed two ways ("Giá  vàng", "giá VÀNG"): to refuse duplicates."""

        def key(p: Phrase) -> str:
            return ("~" if p.folded else "") + "|".join(sorted(p.units))

        alts = sorted({key(p) for p in self.alternatives})
        excl = sorted({key(p) for p in self.exclusions})
        return " , ".join(alts) + (" - " + " - ".join(excl) if excl else "")

    def matches(self, article: ArticleTerms) -> bool:
        """Whether the article is one this topic catches."""
        return any(article.contains(p) for p in self.alternatives) and not self.excludes(article)

    def excludes(self, article: ArticleTerms) -> bool:
        """Whether an excluded phrase appears in the article."""
        return any(article.contains(p) for p in self.exclusions)


FoldedSegmenter = Callable[[list[str]], list[str]]


def parse_topic(
    text: str, analyzer: Analyzer, segment_folded: FoldedSegmenter | None = None
) -> Topic:
    """Parse a topic as a user typed it; raise TopicError when it cannot be followed.

    segment_folded splits accentless syllables into words (pass
    ``SearchIndex.segment_folded`` so "thanh hoa" means Thanh Hóa, not two loose syllables).
    """
    raw = " ".join(unicodedata.normalize("NFC", text).split())
    if not raw.strip(_DASHES + ",; "):
        raise TopicError("empty")
    if len(raw) > MAX_TOPIC_CHARS:
        raise TopicError("too_long", MAX_TOPIC_CHARS)
    pieces = [p.split() for p in _SEPARATORS.split(raw)]
    pieces = [p for p in pieces if p]
    if len(pieces) > MAX_ALTERNATIVES:
        raise TopicError("too_many_alternatives", MAX_ALTERNATIVES)
    shown: list[str] = []
    alternatives: dict[tuple, Phrase] = {}
    exclusions: dict[tuple, Phrase] = {}
    for tokens in pieces:
        required, excluded = _split_exclusions(tokens)
        if len(required) + sum(map(len, excluded)) > MAX_WORDS:
            raise TopicError("too_many_words", MAX_WORDS)
        shown.append(" ".join(required + ["-" + " ".join(e) for e in excluded]))
        for words, into in [(required, alternatives)] + [(e, exclusions) for e in excluded]:
            phrase = _phrase(" ".join(words), analyzer, segment_folded)
            if phrase is not None:
                into.setdefault((phrase.folded, phrase.units), phrase)
    if not alternatives:
        raise TopicError("only_exclusions" if exclusions else "empty")
    return Topic(
        ", ".join(s for s in shown if s), tuple(alternatives.values()), tuple(exclusions.values())
    )


def _split_exclusions(tokens: list[str]) -> tuple[list[str], list[list[str]]]:
    """Required words, and excluded phrases (each from a "-" to the next or the end)."""
    required: list[str] = []
    excluded: list[list[str]] = []
    current = required
    for token in tokens:
        if token[0] in _DASHES:
            current = []
            excluded.append(current)
            token = token.lstrip(_DASHES)
            if not token:  # a lone "-": the phrase starts with the next word
                continue
        current.append(token)
    return required, [e for e in excluded if e]


def _phrase(text: str, analyzer: Analyzer, segment_folded: FoldedSegmenter | None) -> Phrase | None:
    """Analyze one alternative or excluded phrase; None when no word is left."""
    if has_diacritics(text):
        words = tuple(dict.fromkeys(analyzer.terms(text)))
        folded = False
    else:
        sylls = _SYLLABLE.findall(fold(normalize(text)))
        words = tuple(dict.fromkeys(segment_folded(sylls) if segment_folded and sylls else sylls))
        folded = True
    if not words:
        return None
    return Phrase(words, folded, _units(words))


class TopicIndex(Generic[K]):
    """Topics by key, matched against an article without testing each topic.

    Each alternative is filed under one of its units, accent-folded (a word pair when it has
    one, since pairs are rarer than syllables, else its longest syllable); an article only
    verifies the alternatives filed under units it contains. Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._topics: dict[K, Topic] = {}
        # unit -> {(key, n): (key, units, folded)} for the n-th alternative of key's topic
        self._buckets: dict[str, dict[tuple[K, int], tuple[K, frozenset[str], bool]]] = {}
        self._exclusions: dict[K, tuple[tuple[frozenset[str], bool], ...]] = {}

    def __len__(self) -> int:
        return len(self._topics)

    def __contains__(self, key: object) -> bool:
        return key in self._topics

    def get(self, key: K) -> Topic | None:
        """The topic filed under key."""
        return self._topics.get(key)

    def add(self, key: K, topic: Topic) -> None:
        """File a topic under key, replacing any topic the key had."""
        with self._lock:
            self._remove(key)
            self._topics[key] = topic
            for n, phrase in enumerate(topic.alternatives):
                entry = (key, phrase.units, phrase.folded)
                self._buckets.setdefault(_file_unit(phrase), {})[(key, n)] = entry
            if topic.exclusions:
                self._exclusions[key] = tuple((p.units, p.folded) for p in topic.exclusions)

    def remove(self, key: K) -> bool:
        """Forget the topic of key; False if there was none."""
        with self._lock:
            return self._remove(key)

    def _remove(self, key: K) -> bool:
        topic = self._topics.pop(key, None)
        if topic is None:
            return False
        for n, phrase in enumerate(topic.alternatives):
            unit = _file_unit(phrase)
            bucket = self._buckets[unit]
            del bucket[(key, n)]
            if not bucket:
                del self._buckets[unit]
        self._exclusions.pop(key, None)
        return True

    def match(self, article: ArticleTerms) -> set[K]:
        """Keys of every topic that catches the article."""
        with self._lock:
            buckets = self._buckets
            # dict_keys & set walks the smaller side.
            entries = [
                e for unit in buckets.keys() & article.folded_units for e in buckets[unit].values()
            ]
            return self._verify(entries, article)

    def match_each(self, article: ArticleTerms) -> set[K]:
        """The same as match(), by testing every topic (for tests and the benchmark)."""
        with self._lock:
            entries = [e for bucket in self._buckets.values() for e in bucket.values()]
            return self._verify(entries, article)

    def _verify(
        self, entries: Iterable[tuple[K, frozenset[str], bool]], article: ArticleTerms
    ) -> set[K]:
        # The hot loop of delivery: plain tuples and set operations, no calls per topic.
        exact, folded = article.units, article.folded_units
        found = {
            key for key, need, is_folded in entries if need <= (folded if is_folded else exact)
        }
        for key in found & self._exclusions.keys():
            if any(need <= (folded if f else exact) for need, f in self._exclusions[key]):
                found.discard(key)
        return found


def _file_unit(phrase: Phrase) -> str:
    """The unit an alternative is filed under: accent-folded, likely rare."""
    return max((fold(u) for u in phrase.units), key=lambda u: (" " in u, len(u), u))


def match_since(
    store: Store, topics: TopicIndex[K], after_docno: int, limit: int = 500
) -> tuple[list[tuple[int, set[K]]], int]:
    """Match up to limit articles that arrived after a docno: ([(docno, keys)], new cursor).

    Only articles some topic catches are listed; the cursor moves past every article read.
    """
    matched: list[tuple[int, set[K]]] = []
    cursor = after_docno
    for n, doc in enumerate(store.live_docs(after_docno, batch=min(max(limit, 1), 2000)), 1):
        keys = topics.match(ArticleTerms.from_stored(doc))
        if keys:
            matched.append((doc.docno, keys))
        cursor = doc.docno
        if n >= limit:
            break
    return matched, cursor


def recent_matches(
    store: Store, topic: Topic, limit: int = 3, scan: int = 2000
) -> list[tuple[int, Article]]:
    """The newest articles a topic catches (by date, then arrival), among the newest scan."""
    found: list[int] = []
    offset = 0
    while offset < scan and len(found) < limit:
        docs = store.newest_docs(min(250, scan - offset), offset)
        if not docs:
            break
        for doc in docs:
            if topic.matches(ArticleTerms.from_stored(doc)):
                found.append(doc.docno)
                if len(found) >= limit:
                    break
        offset += len(docs)
    articles = store.articles(found)
    return [(d, articles[d]) for d in found if d in articles]
