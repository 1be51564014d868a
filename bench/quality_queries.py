"""Queries with known answers for bench/quality.py, and the forms readers type them in.

The procedure, for a seed S, a query count Q and the indexed articles in file order:

1. Titles are keyed by their folded, lower-cased alphanumeric runs (`title_key`). A
   target's story is every title whose key shares at least `SAME_STORY` (80%) of its
   words with the target's (Jaccard of the word sets; an equal key included): a story
   republished or re-headlined by another paper. Every article of the story is a right
   answer, so a copy ranked above the target is no miss. Articles whose title has fewer
   than `MIN_TITLE_WORDS` words, and rubrics (more than `MAX_SAME_TITLE` answers, e.g.
   "Kết quả xổ số"), are never targets.
2. `random.Random(S)` shuffles the article positions; they are taken in that order. For
   each, a kind is drawn (`KIND_WEIGHTS`) and its query is built; an article whose
   story already has a query, or that yields no query of the drawn kind, is skipped.
   Building stops at Q queries.
   * `headline`: 4-8 consecutive words of the title (a shortened headline), punctuation
     at word edges removed. A window whose folded text also occurs in another story's
     title is redrawn (up to 8 times), so the query has one right story.
   * `question`: 3-5 consecutive key words of the title (words outside `STOPWORDS`)
     inside a question frame ("... là gì", "tin tức về ...", ...).
   * `lead`: 8-12 consecutive words of one sentence of the first paragraphs of the body
     (the lead for baomoi and VNDS), bylines, captions and the 24h page furniture left out.
3. Each query, as written in the article (`accented`), is also typed as readers do
   (`forms`): `no_diacritics` (every accent folded, "đ" -> "d", lower case),
   `other_tone_style` (the tone of an open "oa", "oe", "uy" moved: "hòa" <-> "hoà"),
   `lowercase`, and `typo` (one word of 2+ letters changed by dropping a letter, swapping
   two neighbours or changing its tone mark, drawn from a generator seeded by S and the
   query text, so it is the same in every run).

Nothing here imports the engine: the queries must not change when index/ does.
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

__all__ = [
    "FORMS",
    "KIND_WEIGHTS",
    "KINDS",
    "MAX_SAME_TITLE",
    "SAME_STORY",
    "MIN_TITLE_WORDS",
    "STOPWORDS",
    "Query",
    "TitleIndex",
    "build_queries",
    "flip_tone_style",
    "fold",
    "forms",
    "headline_query",
    "lead_query",
    "question_query",
    "title_key",
    "typo",
    "words",
]

FORMS = ("accented", "no_diacritics", "other_tone_style", "lowercase", "typo")
KINDS = ("headline", "question", "lead")
KIND_WEIGHTS = (0.6, 0.2, 0.2)  # the shortened headline is the main kind
MIN_TITLE_WORDS = 6
MAX_SAME_TITLE = 5  # more answers than this: a rubric ("Kết quả xổ số"), not a story
SAME_STORY = 0.8  # titles sharing this share of their words (Jaccard) tell the same story
HEADLINE_WORDS = (4, 8)
QUESTION_WORDS = (3, 5)
LEAD_WORDS = (8, 12)
LEAD_PARAGRAPHS = 3
QUESTION_FRAMES = (
    "{} là gì",
    "tin tức về {}",
    "{} như thế nào",
    "{} ra sao",
    "thông tin mới nhất về {}",
    "vì sao {}",
)
# Function words a reader leaves out of a question; everything else in a title is a key word.
STOPWORDS = frozenset(
    """là của và có được cho với trong những các một đã sẽ đang khi thì mà này đó ở tại về
    từ để do bị vì nên cũng lại ra vào theo như hay hoặc không chưa rất nhiều bằng trên
    dưới sau trước còn đến lên xuống qua ai gì nào sao thế vẫn nhưng""".split()
)
# 24h pages start with this UI text (see the corpus README); crawl_news runs it into the lead.
_UI_PREFIX = "Lưu bài viết thành công Bạn có thể xem lại bài viết đã lưu ở trangTin bài đã lưu"
_BYLINE = re.compile(r"^(ảnh|theo|nguồn|video|clip|tin liên quan|ttxvn)\b", re.IGNORECASE)
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")
_EDGE_PUNCT = re.compile(r"^\W+|\W+$")
_ALNUM = re.compile(r"[^\W_]+")
_TONES = ("\u0300", "\u0301", "\u0309", "\u0303", "\u0323")  # huyền, sắc, hỏi, ngã, nặng
_LETTERS = re.compile(r"[^\W\d_]+")
# The only vowel pairs whose tone is written in two places, when they close the syllable.
_OPEN_PAIRS = frozenset({("o", "a"), ("o", "e"), ("u", "y")})


@dataclass(frozen=True, slots=True)
class Query:
    """A query as written in its article, and the ids of every right answer."""

    id: int
    kind: str
    text: str
    article_id: str
    answers: frozenset[str]


def fold(text: str) -> str:
    """Strip every diacritic and turn "đ" into "d" ("Thành uỷ" -> "Thanh uy")."""
    decomposed = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return unicodedata.normalize(
        "NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    )


def words(text: str) -> list[str]:
    """Whitespace-separated words with punctuation at their edges removed ("“Sốt" -> "Sốt")."""
    out = []
    for raw in text.split():
        word = _EDGE_PUNCT.sub("", raw)
        if word:
            out.append(word)
    return out


def title_key(title: str) -> str:
    """The form titles are compared in: folded, lower case, alphanumeric runs only."""
    return " ".join(_ALNUM.findall(fold(unicodedata.normalize("NFC", title)).lower()))


def _split_tone(ch: str) -> tuple[str, str]:
    """A letter without its tone mark, and the tone mark ("" if none)."""
    parts = unicodedata.normalize("NFD", ch)
    tone = next((m for m in parts if m in _TONES), "")
    return unicodedata.normalize("NFC", parts.replace(tone, "")), tone


def _flip_syllable(m: re.Match) -> str:
    syllable = m.group(0)
    if len(syllable) < 2 or syllable[:-2].lower().endswith("q"):
        return syllable  # in "quý" the "u" belongs to the consonant: one way only
    f, f_tone = _split_tone(syllable[-2])
    s, s_tone = _split_tone(syllable[-1])
    if (f.lower(), s.lower()) not in _OPEN_PAIRS or bool(f_tone) == bool(s_tone):
        return syllable
    if f_tone:  # new style ("hòa") -> old style ("hoà")
        return syllable[:-2] + f + unicodedata.normalize("NFC", s + f_tone)
    return syllable[:-2] + unicodedata.normalize("NFC", f + s_tone) + s


def flip_tone_style(text: str) -> str:
    """Move the tone of each open "oa", "oe", "uy" to the other vowel ("hòa" <-> "hoà")."""
    return _LETTERS.sub(_flip_syllable, unicodedata.normalize("NFC", text))


def _retone(ch: str, rng: random.Random) -> str:
    base, tone = _split_tone(ch)
    choice = rng.choice([t for t in ("", *_TONES) if t != tone])
    return unicodedata.normalize("NFC", base + choice)


def typo(text: str, rng: random.Random) -> str:
    """The text with one word of 2+ letters mistyped: a letter dropped or swapped, or a tone changed."""
    tokens = text.split(" ")
    candidates = [
        i for i, t in enumerate(tokens) if sum(ch.isalpha() for ch in t) >= 2 and not t.isdigit()
    ]
    if not candidates:
        return text
    i = rng.choice(candidates)
    word = tokens[i]
    letters = [j for j, ch in enumerate(word) if ch.isalpha()]
    swaps = [
        j
        for j in letters
        if j + 1 < len(word) and word[j + 1].isalpha() and word[j].lower() != word[j + 1].lower()
    ]
    toned = [j for j in letters if _split_tone(word[j])[1]]
    ops = ["drop"] + (["swap"] if swaps else []) + (["tone"] if toned else [])
    op = rng.choice(ops)
    if op == "drop":
        j = rng.choice(letters)
        word = word[:j] + word[j + 1 :]
    elif op == "swap":
        j = rng.choice(swaps)
        a, b = word[j], word[j + 1]
        # the letters move, the case pattern stays ("Th" -> "Ht", not "hT")
        a, b = (b.upper() if a.isupper() else b.lower()), (a.upper() if b.isupper() else a.lower())
        word = word[:j] + a + b + word[j + 2 :]
    else:
        j = rng.choice(toned)
        word = word[:j] + _retone(word[j], rng) + word[j + 1 :]
    tokens[i] = word
    return " ".join(tokens)


def forms(text: str, seed: int) -> dict[str, str]:
    """The query as written and as readers type it, by form name (see FORMS)."""
    return {
        "accented": text,
        "no_diacritics": fold(text).lower(),
        "other_tone_style": flip_tone_style(text),
        "lowercase": text.lower(),
        "typo": typo(text, random.Random(f"typo:{seed}:{text}")),
    }


class TitleIndex:
    """Every indexed title's key, to find a story's other copies and phrases other titles share."""

    def __init__(self, titles: Iterable[str]):
        self.keys = [title_key(t) for t in titles]
        self.count = Counter(self.keys)
        # One padded line per distinct title: " w1 w2 " matches whole words only.
        self._text = "\n".join(f" {k} " for k in self.count)
        self._words = {k: frozenset(k.split()) for k in self.count}
        self._titles_with: dict[str, list[str]] = {}
        for key, ws in self._words.items():
            for w in ws:
                self._titles_with.setdefault(w, []).append(key)

    def occurrences(self, phrase: str, keys: Iterable[str] | None = None) -> int:
        """How many distinct titles (of all, or of keys) hold the phrase as whole words."""
        key = title_key(phrase)
        if not key:
            return 0
        text = self._text if keys is None else "\n".join(f" {k} " for k in keys)
        return text.count(f" {key} ")

    def same_story(self, key: str) -> set[str]:
        """Keys of the titles that share at least SAME_STORY of their words with this one."""
        ws = self._words.get(key) or frozenset(key.split())
        # B lacks at most (1 - SAME_STORY) x |A| words of A: of that many + 1, B has one.
        need = math.floor((1 - SAME_STORY) * len(ws) + 1e-9) + 1
        rarest = sorted(ws, key=lambda w: (len(self._titles_with.get(w, ())), w))[:need]
        found = {key}
        for w in rarest:
            for other in self._titles_with.get(w, ()):
                theirs = self._words[other]
                if len(ws & theirs) >= SAME_STORY * len(ws | theirs) - 1e-9:
                    found.add(other)
        return found


def headline_query(
    title: str,
    rng: random.Random,
    titles: TitleIndex | None = None,
    story: Iterable[str] = (),
    tries: int = 8,
) -> str | None:
    """4-8 consecutive words of the title, a phrase no other story's title holds."""
    ws = words(title)
    if len(ws) < MIN_TITLE_WORDS:
        return None
    low, high = HEADLINE_WORDS
    high = min(high, len(ws) - 1)
    own = {title_key(title), *story}
    for _ in range(tries):
        size = rng.randint(low, high)
        start = rng.randint(0, len(ws) - size)
        phrase = " ".join(ws[start : start + size])
        if titles is None or titles.occurrences(phrase) <= titles.occurrences(phrase, own):
            return phrase
    return None


def question_query(title: str, rng: random.Random) -> str | None:
    """3-5 consecutive key words of the title in a question frame ("tin tức về ...")."""
    keys = [w for w in words(title) if w.lower() not in STOPWORDS]
    low, high = QUESTION_WORDS
    if len(keys) < low:
        return None
    size = rng.randint(low, min(high, len(keys)))
    start = rng.randint(0, len(keys) - size)
    return rng.choice(QUESTION_FRAMES).format(" ".join(keys[start : start + size]))


def lead_query(body: str, rng: random.Random) -> str | None:
    """8-12 consecutive words of one sentence of the lead paragraphs."""
    paragraphs = [p.replace(_UI_PREFIX, "").strip() for p in body.split("\n")]
    sentences = [
        ws
        for p in paragraphs[:LEAD_PARAGRAPHS]
        for s in _SENTENCE_END.split(p)
        if not _BYLINE.match(s.strip())
        for ws in [words(s)]
        if len(ws) >= LEAD_WORDS[0]
    ]
    if not sentences:
        return None
    ws = rng.choice(sentences)
    size = rng.randint(LEAD_WORDS[0], min(LEAD_WORDS[1], len(ws)))
    start = rng.randint(0, len(ws) - size)
    return " ".join(ws[start : start + size])


def build_queries(
    articles: Sequence[tuple[str, str, str]], n: int, seed: int
) -> tuple[list[Query], Counter[str]]:
    """n seeded queries from (id, title, body) articles, and why candidates were skipped."""
    titles = TitleIndex(t for _, t, _ in articles)
    by_key: dict[str, list[str]] = {}
    for (article_id, _, _), key in zip(articles, titles.keys, strict=True):
        by_key.setdefault(key, []).append(article_id)
    rng = random.Random(seed)
    order = list(range(len(articles)))
    rng.shuffle(order)
    queries: list[Query] = []
    skipped: Counter[str] = Counter()
    used: set[str] = set()
    for pos in order:
        if len(queries) >= n:
            break
        article_id, title, body = articles[pos]
        key = titles.keys[pos]
        kind = rng.choices(KINDS, KIND_WEIGHTS)[0]
        if len(words(title)) < MIN_TITLE_WORDS:
            skipped["short title"] += 1
            continue
        story = titles.same_story(key)
        answers = frozenset(a for k in story for a in by_key[k])
        if len(answers) > MAX_SAME_TITLE:
            skipped["generic title"] += 1
            continue
        if story & used:
            skipped["story already asked"] += 1
            continue
        if kind == "headline":
            text = headline_query(title, rng, titles, story)
        elif kind == "question":
            text = question_query(title, rng)
        else:
            text = lead_query(body, rng)
        if text is None:
            skipped[f"no {kind} query"] += 1
            continue
        used |= story
        queries.append(Query(len(queries), kind, text, article_id, answers))
    return queries, skipped
