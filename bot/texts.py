"""What the bot says, in Vietnamese (the default) and English."""

from __future__ import annotations

from .text_fields import Texts
from .texts_en import EN
from .texts_vi import VI

__all__ = ["EN", "VI", "Texts", "chosen", "pick"]


def pick(language_code: str | None) -> Texts:
    """English for users whose Telegram language is English, Vietnamese for everyone else."""
    return EN if (language_code or "").lower().startswith("en") else VI


def chosen(word: str) -> Texts | None:
    """The language a /lang argument names ("en", "english", "vi", "tiếng việt"), or None."""
    word = " ".join(word.lower().split())
    if word in ("en", "eng", "english", "tiếng anh", "tieng anh"):
        return EN
    if word in ("vi", "vn", "vie", "vietnamese", "tiếng việt", "tieng viet"):
        return VI
    return None
