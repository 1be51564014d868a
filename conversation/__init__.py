"""The conversation over the archive, with no Telegram in it (Telegram and `newsbot chat` share it).

It imports the index's public API and the storage seam, never telegram; bot/ renders what
it returns. service.py: ask, page, read by id or number, latest; answers.py: the result
lists kept per question; questions.py: a question as the search takes it.
"""

from __future__ import annotations

from .answers import KEEP_SECONDS, Answers, Kept
from .questions import MAX_QUERY_CHARS, clip_query
from .service import DEPTH, FIRST, PAGE_SIZE, Conversation, Page

__all__ = [
    "DEPTH",
    "FIRST",
    "KEEP_SECONDS",
    "MAX_QUERY_CHARS",
    "PAGE_SIZE",
    "Answers",
    "Conversation",
    "Kept",
    "Page",
    "clip_query",
]
