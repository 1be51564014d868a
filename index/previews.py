"""A topic's preview: the newest articles it catches, for a cost that does not depend on it.

preview = recent_matches(index.store, parse_topic("giá vàng"))  # [(docno, Article)]
"""

from __future__ import annotations

import unicodedata

from .models import Article
from .normalize import fold
from .outlets import outlet_keys
from .phrases import ArticleText
from .sql_store import Store
from .topics import Topic

__all__ = ["PREVIEW_SCAN", "recent_matches"]

# A preview looks this far back: a day or two of a busy bot's feeds, at a bounded cost
PREVIEW_SCAN = 500


def _letters(text: str) -> str:
    """Text folded to ASCII in C alone (diacritics, invisible and other characters dropped)."""
    text = text.replace("đ", "d").replace("Đ", "D")
    return unicodedata.normalize("NFD", text).encode("ascii", "ignore").decode("ascii").lower()


def recent_matches(
    store: Store, topic: Topic, limit: int = 3, scan: int = PREVIEW_SCAN
) -> list[tuple[int, Article]]:
    """The newest articles a topic catches (by date, then arrival), among the newest scan.

    An article goes on to matching only when its folded text holds every syllable of one
    alternative: most do not, and that look costs a small share of reading an article into
    sentences. A topic that catches nothing costs reading scan articles, no more.
    """
    found: list[int] = []
    offset = 0
    keys = topic.source_keys
    # an alternative with a syllable beyond Vietnamese's letters is matched in full
    needed = [
        needles if all(n.isascii() for n in needles) else set()
        for clause in topic.alternatives
        for needles in ({fold(s) for phrase in clause.phrases for s in phrase.syllables},)
    ]
    while offset < scan and len(found) < limit:
        docs = store.newest_texts(min(250, scan - offset), offset)
        if not docs:
            break
        for docno, title, body, source in docs:
            if keys and not keys & outlet_keys(source):
                continue
            text = _letters(title + "\n" + body)
            if not any(all(s in text for s in syllables) for syllables in needed):
                continue
            if topic.matches(ArticleText.of(title, body, source)):
                found.append(docno)
                if len(found) >= limit:
                    break
        offset += len(docs)
    articles = store.articles(found)
    return [(d, articles[d]) for d in found if d in articles]
