"""What a reader's question asks besides its words: filler, time words, known aliases.

Everything here works on the accent-folded, lower-case form, so "hôm nay" and "hom nay",
"TP.HCM" and "tphcm" are read alike. The lists are small and written out below on purpose:
each entry is a way Vietnamese readers really ask or write.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

from .normalize import fold, has_diacritics, normalize

# Question frames and filler that carry no topic.
FILLER = (
    "cho tôi biết",
    "cho mình hỏi",
    "cho hỏi",
    "bạn có biết",
    "tìm giúp",
    "tìm kiếm",
    "tìm",
    "tin tức mới nhất về",
    "tin tức về",
    "tin tức",
    "tin mới nhất về",
    "tin mới về",
    "tin về",
    "thông tin mới nhất về",
    "thông tin về",
    "bài viết về",
    "bài báo về",
    "các bài về",
    "là gì",
    "là ai",
    "như thế nào",
    "thế nào",
    "ra sao",
    "có phải",
    "có đúng không",
    "đúng không",
    "phải không",
    "có không",
    "không vậy",
    "vậy",
    "nhỉ",
    "hả",
    "ạ",
    "hiện nay",
)

# Names written several ways: every form of a group is matched by every other.
ALIASES: dict[str, tuple[str, ...]] = {
    "hcm": (
        "thành phố hồ chí minh",
        "tp hồ chí minh",
        "tp.hcm",
        "tp hcm",
        "tphcm",
        "tp.hồ chí minh",
        "hồ chí minh city",
        "sài gòn",
        "hcm",
    ),
    "hanoi": ("hà nội", "hn", "thủ đô hà nội"),
    "danang": ("đà nẵng", "tp đà nẵng"),
    "vietnam": ("việt nam", "vn"),
    "usa": ("mỹ", "hoa kỳ", "hoa kì", "usa"),
    "covid": ("covid-19", "covid 19", "covid", "ncov", "sars-cov-2", "virus corona"),
    "csgt": ("cảnh sát giao thông", "csgt"),
    "thpt": ("trung học phổ thông", "thpt"),
    "bhxh": ("bảo hiểm xã hội", "bhxh"),
    "bhyt": ("bảo hiểm y tế", "bhyt"),
    "ubnd": ("uỷ ban nhân dân", "ubnd"),
    "hdnd": ("hội đồng nhân dân", "hđnd"),
    "nhnn": ("ngân hàng nhà nước", "nhnn"),
    "bds": ("bất động sản", "bđs"),
    "atgt": ("an toàn giao thông", "atgt"),
    "ttck": ("thị trường chứng khoán", "ttck"),
    "gdp": ("tổng sản phẩm quốc nội", "gdp"),
}


def _words(text: str) -> str:
    """Folded, lower-case syllables separated by single spaces ("TP.HCM" -> "tp hcm")."""
    return " ".join(re.findall(r"[^\W_]+", fold(normalize(text))))


def _exact_words(text: str) -> str:
    return " ".join(re.findall(r"[^\W_]+", normalize(text)))


def _alternation(forms) -> re.Pattern:
    ordered = sorted(set(forms), key=len, reverse=True)
    return re.compile(r"(?<!\S)(" + "|".join(re.escape(f) for f in ordered) + r")(?!\S)")


# Filler is found in the reader's own accents when there are any: folded, "hả" would be
# "ha" and eat the "Hà" of "Hà Nội".
_FILLER_EXACT = _alternation(_exact_words(f) for f in FILLER)
# Folded, one syllable is too ambiguous ("vay" is a loan, "ha" may be "Hà"): two or more only.
_FILLER_FOLDED = _alternation(_words(f) for f in FILLER if " " in _words(f))
_ALIAS_FORMS: dict[str, str] = {}
for _canon, _forms in ALIASES.items():
    for _form in _forms:
        _ALIAS_FORMS.setdefault(_words(_form), _canon)
_ALIAS_RE = _alternation(_ALIAS_FORMS)


@dataclass(frozen=True, slots=True)
class Query:
    """A question taken apart: the words to search and what else it asked for."""

    text: str  # the question without filler (in the reader's own spelling)
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    aliases: tuple[str, ...] = ()  # canonical names: "hcm", "hanoi", ...


def aliases_in_words(words: str) -> list[str]:
    """Canonical names of every alias form in folded words ("tp hcm" -> ["hcm"])."""
    return [_ALIAS_FORMS[m.group(1)] for m in _ALIAS_RE.finditer(words)]


def strip_filler(question: str) -> str:
    """The question without its question frame; the question itself if nothing else is left."""
    # Work syllable by syllable on the reader's own text, using the folded form to find
    # filler, so the accents the reader typed are kept for the search.
    sylls = re.findall(r"[^\W_]+", normalize(question))
    accented = has_diacritics(question)
    joined = " ".join(sylls) if accented else " ".join(fold(s) for s in sylls)
    drop = [False] * len(sylls)
    for m in (_FILLER_EXACT if accented else _FILLER_FOLDED).finditer(joined):
        start = joined[: m.start()].count(" ")
        for i in range(start, start + m.group(1).count(" ") + 1):
            drop[i] = True
    kept = [s for s, d in zip(sylls, drop, strict=True) if not d]
    return " ".join(kept) if kept else question


_MONTH = re.compile(r"(?<!\S)thang (\d{1,2})(?: nam)? (\d{4})(?!\S)")
_DAY = re.compile(r"(?<!\S)(?:ngay )?(\d{1,2}) (\d{1,2}) (\d{4})(?!\S)")
_YEAR = re.compile(r"(?<!\S)nam (\d{4})(?!\S)")
_YEAR_ACCENTED = re.compile(r"(?<!\S)năm (\d{4})(?!\S)")  # typed with accents: not "Nam 2017"


def _year(question: str, words: str) -> re.Match | None:
    """ "năm 2017" in a question: as typed when it has accents, else in folded words."""
    if has_diacritics(question):
        return _YEAR_ACCENTED.search(_exact_words(question))
    return _YEAR.search(words)


# "hai tháng trước" is two months before something the story tells, not last month
_COUNTED = re.compile(
    r"(?<!\S)(?:\d+|mot|hai|ba|bon|nam|sau|bay|tam|chin|muoi|vai|may|nhieu|it) "
    r"(?:ngay|tuan|thang|nam) (?:truoc|qua|nay)(?!\S)"
)
_RELATIVE = re.compile(
    r"(?<!\S)(hom nay|hom qua|tuan nay|tuan truoc|tuan qua|thang nay|thang truoc|nam nay"
    r"|moi nhat|gan day|moi day)(?!\S)"
)
# "mới nhất", "gần đây": the reader's last weeks
RECENT_DAYS = 30


def _relative_spans(words: str) -> list[tuple[int, int]]:
    """Where the reader's own time words stand in folded words, counted spans left out."""
    counted = [m.span() for m in _COUNTED.finditer(words)]
    return [
        m.span(1)
        for m in _RELATIVE.finditer(words)
        if not any(a <= m.start(1) < b for a, b in counted)
    ]


def _relative(words: str) -> str | None:
    """The reader's own time word in folded words ("hom nay"), counted spans left out."""
    spans = _relative_spans(words)
    return words[spans[0][0] : spans[0][1]] if spans else None


def strip_time(question: str) -> str:
    """The question without its time words ("hôm nay", "tuần này", "mới nhất"; a month or
    year that ends it, "năm 2017").

    They say when, never what: searched as words, "tuần này" finds "Nghỉ Tết gần 2 tuần",
    and "năm 2017" every article that mentions the year.
    """
    sylls = re.findall(r"[^\W_]+", normalize(question))
    joined = " ".join(fold(s) for s in sylls)
    drop = [False] * len(sylls)
    # a whole day ("ngày 23/12/2018") stays searched as well: it is narrow enough that an
    # article naming it is about it ("Sự kiện nào diễn ra vào ngày 23/12/2018?")
    named = [m.span() for m in _MONTH.finditer(joined)]
    if year := _year(question, joined):
        named.append(year.span())
    # a date inside a question is often the story's ("Sau năm 1975, …"): only one that ends
    # the question is taken for the period alone ("giá vàng năm 2017")
    named = [(a, b) for a, b in named if b == len(joined)]
    for a, b in _relative_spans(joined) + named:
        first = joined[:a].count(" ")
        for i in range(first, first + joined[a:b].count(" ") + 1):
            drop[i] = True
    kept = [s for s, d in zip(sylls, drop, strict=True) if not d]
    return " ".join(kept) if kept else question


def date_range(question: str, today: dt.date) -> tuple[dt.date | None, dt.date | None]:
    """The dates a question asks about ("hôm qua", "tháng 10/2020", "năm 2020"), if any."""
    w = _words(question)
    pad = f" {_relative(w) or ''} "
    if " hom nay " in pad:
        return today, today
    if " hom qua " in pad:
        day = today - dt.timedelta(days=1)
        return day, day
    if " tuan nay " in pad:
        return today - dt.timedelta(days=today.weekday()), today
    if " tuan truoc " in pad or " tuan qua " in pad:
        return today - dt.timedelta(days=7 + today.weekday()), today - dt.timedelta(
            days=today.weekday() + 1
        )
    if " thang nay " in pad:
        return today.replace(day=1), today
    if " thang truoc " in pad:
        last = today.replace(day=1) - dt.timedelta(days=1)
        return last.replace(day=1), last
    if " nam nay " in pad:
        return today.replace(month=1, day=1), today
    if " moi nhat " in pad or " gan day " in pad or " moi day " in pad:
        return today - dt.timedelta(days=RECENT_DAYS - 1), today
    if m := _DAY.search(w):
        try:
            day = dt.date(int(m[3]), int(m[2]), int(m[1]))
            return day, day
        except ValueError:
            pass
    if (m := _MONTH.search(w)) and 1 <= int(m[1]) <= 12:
        year, month = int(m[2]), int(m[1])
        return dt.date(year, month, 1), dt.date(year, month, calendar.monthrange(year, month)[1])
    if m := _year(question, w):
        year = int(m[1])
        if 1900 <= year <= 2100:
            return dt.date(year, 1, 1), dt.date(year, 12, 31)
    return None, None


def parse(question: str, today: dt.date | None = None) -> Query:
    """Take a question apart into search words, a date range and alias names."""
    today = today or dt.date.today()
    lo, hi = date_range(question, today)
    return Query(
        text=strip_filler(strip_time(question)),
        date_from=lo,
        date_to=hi,
        aliases=tuple(dict.fromkeys(aliases_in_words(_words(question)))),
    )


# Question words carry a question's type ("how many", "who", "why"), not its topic: they
# are left out of the words searched. Written as index terms (pyvi joins words with "_").
QUESTION_WORDS = (
    "bao_nhiêu",
    "bao_nhiều",
    "mấy",
    "ai",
    "gì",
    "nào",
    "khi_nào",
    "lúc_nào",
    "bao_giờ",
    "bao_lâu",
    "ở_đâu",
    "đâu",
    "tại_sao",
    "vì_sao",
    "sao",
    "thế_nào",
    "như_thế_nào",
    "làm_sao",
    "làm_thế_nào",
    "bằng_cách_nào",
    "cách_nào",
    "những_gì",
    "điều_gì",
    "cái_gì",
    "việc_gì",
    "là_gì",
    "là_ai",
    "hay_không",
    "hay_chưa",
    "phải_không",
    "đúng_không",
)
_QUESTION_EXACT = frozenset(QUESTION_WORDS)
# Folded, a one-syllable word is ambiguous ("nao" may be "não", "sao" a star, "may" lucky):
# only the longer ones, and "gi" and "ai", which folded are rarely anything else.
_QUESTION_FOLDED = frozenset(fold(w) for w in QUESTION_WORDS if "_" in w or w in ("gì", "ai"))
_QUESTION_MARKERS = re.compile(
    r"(?<!\S)("
    + "|".join(sorted({w.replace("_", " ") for w in QUESTION_WORDS}, key=len, reverse=True))
    + r")(?!\S)"
)


def is_question_word(term: str, folded: bool) -> bool:
    """Whether an index term is a question word ("bao_nhiêu", "tại_sao", "gì")."""
    return term in (_QUESTION_FOLDED if folded else _QUESTION_EXACT)


def is_question(text: str) -> bool:
    """Whether a text is asked as a full question (a question mark or a question word)."""
    if "?" in text:
        return True
    return bool(_QUESTION_MARKERS.search(_exact_words(text)))
