"""A question as the search takes it: as it reads (index.clean_input), cut to MAX_QUERY_CHARS."""

from __future__ import annotations

from index import MAX_QUERY_CHARS, clean_input

__all__ = ["MAX_QUERY_CHARS", "clip_query"]


def clip_query(text: str) -> tuple[str, bool]:
    """The question as it reads (clean_input), cut to MAX_QUERY_CHARS; True when cut."""
    text = clean_input(text)
    if len(text) <= MAX_QUERY_CHARS:
        return text, False
    cut = text[:MAX_QUERY_CHARS]
    # end on a whole word unless that throws away most of the question
    head = cut.rsplit(" ", 1)[0]
    return (head if len(head) > MAX_QUERY_CHARS // 2 else cut), True
