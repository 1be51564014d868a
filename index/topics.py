"""Topics a chat follows: phrases that must stand in an article as typed.

A topic is phrases, with ``,`` (or ``;``) between alternatives, ``-`` before a phrase to
leave out, ``"…"`` around a phrase to keep it whole, and ``nguồn:`` to name outlets::

    giá vàng, tỷ giá -quảng cáo nguồn:vnexpress

An alternative matches when each of its phrases stands in one sentence of the title or the
body, its syllables side by side in the order typed: ``giá vàng`` catches "giá vàng SJC
tăng", never "đánh giá … mủ vàng". The words typed between quotes, dashes and the ends of
an alternative are one phrase; quotes make a phrase of their own and keep ``,`` ``;`` ``-``
inside it as text (``"giá vàng" SJC`` needs both phrases, each anywhere in the article;
``"Covid-19, cúm"`` is one phrase). An excluded phrase runs from its ``-`` to the next ``-``
or the end of its alternative, and leaves the article out wherever it was typed.

Diacritics typed are diacritics required: "giá" matches "giá", not "gia" or "giả". A phrase
typed without any diacritic matches accent-folded text ("gia vang" catches "giá vàng").
Either tone-mark style matches ("hòa" = "hoà"); case never matters. Outlet names
(``nguồn:``, ``source:``) restrict the whole topic (``index.outlets``).

Matching reads an article's text, not its pyvi terms: pyvi splits "giá vàng" in a sentence
and alone differently, and the terms keep no sentence ends. The bot side uses it like this
(CPU work: run it in a thread)::

    topic = parse_topic(text)                    # TopicError: tell the user
    topics = TopicIndex()                        # one per process, keys are yours
    topics.add((chat_id, topic_id), topic)       # .remove(key) on unsubscribe
    preview = recent_matches(index.store, topic)  # previews.py: [(docno, Article)], newest first
    matched, cursor = match_since(index.store, topics, cursor)   # [(docno, {keys})]
    clause = topic.matched(ArticleText.of_article(article))      # what caught it, to show

``match_since`` returns each new article once with every matching key. An edited article
is stored again under a new docno, so it comes back: keep a (chat, article id) record.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Hashable, Iterable, Iterator
from dataclasses import dataclass
from typing import Generic, TypeVar

from .normalize import clean_input, fold
from .outlets import MAX_SOURCES, source_key, split_sources
from .phrases import ArticleText, Clause, Phrase, passage
from .sql_store import Store

__all__ = [
    "MAX_ALTERNATIVES",
    "MAX_TOPIC_CHARS",
    "MAX_WORDS",
    "ArticleText",
    "Clause",
    "Phrase",
    "Topic",
    "TopicError",
    "TopicIndex",
    "match_since",
    "parse_topic",
    "passage",
]

MAX_TOPIC_CHARS = 200
MAX_ALTERNATIVES = 10
MAX_WORDS = 8  # per alternative, its excluded words included

# Phones turn "-" into a minus or a dash, and quotes into curly ones.
_DASHES = "-\u2212\u2013\u2014"
_QUOTES = '"\u201c\u201d\u201e\u00ab\u00bb'
_TOKEN = re.compile(
    rf"(?P<sep>[,;])|(?P<dash>[{_DASHES}])"
    rf"|[{_QUOTES}](?P<quoted>[^{_QUOTES}]*)[{_QUOTES}]?|(?P<word>[^\s,;{_QUOTES}]+)"
)

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
    "too_many_sources": ("tối đa {limit} nguồn", "over {limit} sources"),
}


class TopicError(ValueError):
    """A topic that cannot be followed; ``code`` names the problem for the bot's own texts.

    Codes: ``empty``, ``too_long``, ``too_many_alternatives``, ``too_many_words``,
    ``only_exclusions``, ``too_many_sources``; ``limit`` is the bound that was passed (or 0).
    ``str()`` gives Vietnamese then English: "chủ đề trống (the topic is empty)".
    """

    def __init__(self, code: str, limit: int = 0):
        vi, en = _MESSAGES[code]
        self.code = code
        self.limit = limit
        self.vietnamese = vi.format(limit=limit)
        self.english = en.format(limit=limit)
        super().__init__(f"{self.vietnamese} ({self.english})")


# ---- topics ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Topic:
    """A parsed topic: alternatives (any one matches), exclusions (none may), outlets."""

    text: str  # display form, re-parses to the same topic: 'giá vàng, "tỷ giá" -quảng cáo'
    alternatives: tuple[Clause, ...]
    exclusions: tuple[Clause, ...]
    sources: tuple[str, ...] = ()  # outlet names as typed; empty: every outlet

    @property
    def source_keys(self) -> frozenset[str]:
        """The typed outlet names as source_key compares them."""
        return frozenset(source_key(s) for s in self.sources)

    @property
    def signature(self) -> str:
        """Equal for one topic typed two ways ("Giá  vàng", "giá VÀNG"): to refuse duplicates."""
        alts = " , ".join(sorted({c.key for c in self.alternatives}))
        excl = " - ".join(sorted({c.key for c in self.exclusions}))
        where = " @ ".join(sorted(self.source_keys))
        return alts + (" - " + excl if excl else "") + (" @ " + where if where else "")

    def matched(self, article: ArticleText) -> Clause | None:
        """The first alternative that catches the article, or None when the topic does not."""
        keys = self.source_keys
        if keys and not keys & article.sources:
            return None
        if any(c.found_in(article) for c in self.exclusions):
            return None
        return next((c for c in self.alternatives if c.found_in(article)), None)

    def matches(self, article: ArticleText) -> bool:
        """Whether the article is one this topic catches."""
        return self.matched(article) is not None


def parse_topic(text: str) -> Topic:
    """Parse a topic as a user typed it; raise TopicError when it cannot be followed."""
    raw = clean_input(text)  # giá\u200bvàng is two words, as it shows
    if len(raw) > MAX_TOPIC_CHARS:
        raise TopicError("too_long", MAX_TOPIC_CHARS)
    raw, sources = split_sources(raw)
    if len(sources) > MAX_SOURCES:
        raise TopicError("too_many_sources", MAX_SOURCES)
    shown: list[str] = []
    alternatives: dict[str, Clause] = {}
    exclusions: dict[str, Clause] = {}
    for required, excluded, words in _alternatives(raw):
        if words > MAX_WORDS:
            raise TopicError("too_many_words", MAX_WORDS)
        parts = [required.text] if required else []
        parts += ["-" + e.text for e in excluded]
        shown.append(" ".join(parts))
        if required:
            alternatives.setdefault(required.key, required)
        for clause in excluded:
            exclusions.setdefault(clause.key, clause)
    if len(shown) > MAX_ALTERNATIVES:
        raise TopicError("too_many_alternatives", MAX_ALTERNATIVES)
    if not alternatives:
        raise TopicError("only_exclusions" if exclusions else "empty")
    display = ", ".join(s for s in shown if s)
    display += "".join(f' nguồn:"{s}"' if " " in s else f" nguồn:{s}" for s in sources)
    return Topic(display, tuple(alternatives.values()), tuple(exclusions.values()), sources)


def _alternatives(raw: str) -> Iterator[tuple[Clause | None, list[Clause], int]]:
    """Each alternative: its required clause, its excluded clauses, the words it holds."""
    clauses: list[list[Phrase]] = [[]]  # [0] required, then one per "-"
    run: list[str] = []
    words = 0

    def close_run() -> None:
        if run:
            phrase = Phrase.make(" ".join(run), quoted=False)
            if phrase is not None:
                clauses[-1].append(phrase)
            run.clear()

    def done() -> tuple[Clause | None, list[Clause], int]:
        close_run()
        required = Clause(tuple(clauses[0])) if clauses[0] else None
        return required, [Clause(tuple(c)) for c in clauses[1:] if c], words

    for m in _TOKEN.finditer(raw):
        if m.group("sep"):
            if clauses[0] or len(clauses) > 1 or run:
                yield done()
            clauses, words = [[]], 0
        elif m.group("dash"):
            close_run()
            clauses.append([])
        elif m.group("quoted") is not None:
            close_run()
            phrase = Phrase.make(m.group("quoted"), quoted=True)
            if phrase is not None:
                clauses[-1].append(phrase)
                words += len(phrase.text.split())
        else:
            run.append(m.group("word"))
            words += 1
    if clauses[0] or len(clauses) > 1 or run:
        yield done()


# ---- the topic index ---------------------------------------------------------------------

_Check = tuple[frozenset[str], bool, "str | None"]  # a phrase: units, folded, needle


def _checks(clause: Clause) -> tuple[_Check, ...]:
    # longest phrase first: it is the likeliest to fail
    ordered = sorted(clause.phrases, key=lambda p: -len(p.syllables))
    return tuple((p.units, p.folded, p.needle) for p in ordered)


class TopicIndex(Generic[K]):
    """Topics by key, matched against an article without testing each topic.

    Each alternative is filed under one unit of its longest phrase, accent-folded (a
    syllable pair when it has one, since pairs are rarer than syllables, else its syllable);
    an article only verifies the alternatives filed under units it contains. Thread-safe.
    """

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._topics: dict[K, Topic] = {}
        # unit -> {(key, n): (key, checks)} for the n-th alternative of key's topic
        self._buckets: dict[str, dict[tuple[K, int], tuple[K, tuple[_Check, ...]]]] = {}
        self._exclusions: dict[K, tuple[tuple[_Check, ...], ...]] = {}
        self._sources: dict[K, frozenset[str]] = {}

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
            for n, clause in enumerate(topic.alternatives):
                entry = (key, _checks(clause))
                self._buckets.setdefault(_file_unit(clause), {})[(key, n)] = entry
            if topic.exclusions:
                self._exclusions[key] = tuple(_checks(c) for c in topic.exclusions)
            if topic.sources:
                self._sources[key] = topic.source_keys

    def remove(self, key: K) -> bool:
        """Forget the topic of key; False if there was none."""
        with self._lock:
            return self._remove(key)

    def _remove(self, key: K) -> bool:
        topic = self._topics.pop(key, None)
        if topic is None:
            return False
        for n, clause in enumerate(topic.alternatives):
            unit = _file_unit(clause)
            bucket = self._buckets[unit]
            del bucket[(key, n)]
            if not bucket:
                del self._buckets[unit]
        self._exclusions.pop(key, None)
        self._sources.pop(key, None)
        return True

    def match(self, article: ArticleText) -> set[K]:
        """Keys of every topic that catches the article."""
        with self._lock:
            buckets = self._buckets
            # dict_keys & set walks the smaller side.
            entries = [
                e for unit in buckets.keys() & article.folded_units for e in buckets[unit].values()
            ]
            return self._verify(entries, article)

    def match_each(self, article: ArticleText) -> set[K]:
        """The same as match(), by testing every topic (for tests and the benchmark)."""
        with self._lock:
            entries = [e for bucket in self._buckets.values() for e in bucket.values()]
            return self._verify(entries, article)

    def _verify(
        self, entries: Iterable[tuple[K, tuple[_Check, ...]]], article: ArticleText
    ) -> set[K]:
        # The hot loop of delivery: plain tuples and set operations, no calls per topic.
        units, folded = article.units, article.folded_units
        text, folded_text = article.text, article.folded_text
        found: set[K] = set()
        for key, checks in entries:
            for need, is_folded, needle in checks:
                if not need <= (folded if is_folded else units):
                    break
                if needle is not None and needle not in (folded_text if is_folded else text):
                    break
            else:
                found.add(key)
        for key in found & self._sources.keys():
            if not self._sources[key] & article.sources:
                found.discard(key)
        for key in found & self._exclusions.keys():
            for checks in self._exclusions[key]:
                if all(
                    need <= (folded if f else units)
                    and (needle is None or needle in (folded_text if f else text))
                    for need, f, needle in checks
                ):
                    found.discard(key)
                    break
        return found


def _file_unit(clause: Clause) -> str:
    """The unit an alternative is filed under: of its longest phrase, folded, likely rare."""
    phrase = max(clause.phrases, key=lambda p: (len(p.syllables), p.key))
    return max((fold(u) for u in phrase.units), key=lambda u: (" " in u, len(u), u))


def match_since(
    store: Store,
    topics: TopicIndex[K],
    after_docno: int,
    limit: int = 500,
    upto: int | None = None,
) -> tuple[list[tuple[int, set[K]]], int]:
    """Match up to limit articles that arrived after a docno: ([(docno, keys)], new cursor).

    Only articles some topic catches are listed; the cursor moves past every article read,
    and stops before any past upto (when given).
    """
    matched: list[tuple[int, set[K]]] = []
    cursor = after_docno
    for n, (docno, title, body, source) in enumerate(
        store.live_texts(after_docno, batch=min(max(limit, 1), 500)), 1
    ):
        if upto is not None and docno > upto:
            break
        keys = topics.match(ArticleText.of(title, body, source))
        if keys:
            matched.append((docno, keys))
        cursor = docno
        if n >= limit:
            break
    return matched, cursor
