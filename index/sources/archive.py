"""Archive ``.txt`` files: an optional header block, a title line, then the body.

Layout (the header is optional; ``published`` takes YYYY-MM-DD, DD/MM/YYYY or an ISO
datetime)::

    url: https://enternews.vn/...
    published: 31/10/2020
    source: Báo Diễn đàn doanh nghiệp
    category: Chính trị - Xã hội
    id: 000_a2f437a417b6f8e8

    Title line
    Enternews.vn First paragraph (the lead) ...
    More paragraphs ...
    Đánh giá của bạn:          <- trailing site furniture, cut

Article ids, first rule that applies (``article_id``):

1. the header's ``id:``;
2. ``"u" + sha1(url)[:16]`` when the article has a url;
3. the file stem, as is, when it already looks like an archive id: 6 or more of
   ``[0-9A-Za-z_-]`` with a part of 8+ hex digits, like ``000_a2f437a417b6f8e8``;
4. ``"f" + sha1(str(path.resolve()))[:16]``.

JSON Lines and CSV records with neither id nor url get ``"r" + sha1(source|title|published)[:16]``.
Ids must come out the same on every run so that re-reading an archive replaces articles
instead of duplicating them; only rule 4 depends on where the file lives.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from ..models import Article, Failure
from .text import (
    MAX_BODY_CHARS,
    MAX_TITLE_CHARS,
    bound,
    clean_line,
    clean_text,
    decode_bytes,
    read_bounded,
)

_VIETNAM = dt.timezone(dt.timedelta(hours=7))
_DMY = re.compile(r"\b(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
_YMD = re.compile(r"\b(\d{4})[/.-](\d{1,2})[/.-](\d{1,2})\b")

_HEADER = re.compile(r"(url|published|source|category|id)\s*:\s*(\S.*)", re.IGNORECASE)
_ARCHIVE_STEM = re.compile(r"[0-9A-Za-z_-]{6,}")
_HEX_PART = re.compile(r"(?:^|[_-])(?=[0-9a-f]*[a-f])(?=[0-9a-f]*\d)[0-9a-f]{8,}(?:$|[_-])", re.I)

# 24h.com.vn pages start with the text of their "save article" button.
_UI_PREFIX = re.compile(
    r"Lưu bài viết thành công\s*Bạn có thể xem lại bài viết đã lưu ở trang\s*Tin bài đã lưu\s*"
)
# "Enternews.vn Bên cạnh ...": the lead starts with the site's name.
_SITE_PREFIX = re.compile(
    r"(\S+\.(?:vn|com|net|org|info)(?:\.vn)?)(?:\s*[-–:])?(?:\s+|$)", re.IGNORECASE
)
_MAX_FURNITURE_CHARS = 2_000
_READING = re.compile(
    r"Bạn đang đọc bài viết .+ tại chuyên mục\s+(?P<category>.+?)\s+của\s+(?P<outlet>.+?)"
    r"\s*(?:\.(?:\s|$)|$)"
)


@dataclass(frozen=True, slots=True)
class Boilerplate:
    """A kind of line that is site furniture, not article text."""

    name: str
    pattern: re.Pattern[str]  # must match the whole paragraph
    starts_tail: bool  # True: cut from this line to the end; False: cut only when trailing


def _rule(name: str, pattern: str, *, starts_tail: bool) -> Boilerplate:
    return Boilerplate(name, re.compile(pattern, re.IGNORECASE), starts_tail)


# Add a site by adding a line. Tail starters cut everything after them wherever they
# appear, so they must be phrases no article paragraph consists of; the others are only
# removed from the end. A lone "Theo ..." byline is deliberately absent: it is kept.
BOILERPLATE: tuple[Boilerplate, ...] = (
    _rule("rating", r"Đánh giá của bạn\s*:?", starts_tail=True),
    _rule(
        "invitation",
        r"Mời (?:các )?bạn (?:đọc )?tham gia (?:vào )?(?:diễn đàn|group|nhóm|cộng đồng|fanpage).*",
        starts_tail=True,
    ),
    _rule("you-are-reading", _READING.pattern + r".*", starts_tail=True),
    _rule("comments", r"Bình luận(?: \(\d+\))?\s*:?", starts_tail=True),
    _rule("related", r"(?:Tin liên quan|Tin cùng chuyên mục|Xem thêm)\s*:?", starts_tail=True),
    _rule("sort-links", r"Xếp theo\s*:.*", starts_tail=True),
    _rule("chars-left", r"Bạn còn\s*/?\s*\d*\s*ký tự", starts_tail=False),
    _rule("contact", r"Liên hệ cung cấp thông tin.*|(?:E-?mail|Hotline)\s*:.*", starts_tail=False),
    _rule("source-link", r"Nguồn\s*:\s*\[Link nguồn\]", starts_tail=False),
)


def read_archive(path: Path) -> Iterator[Article | Failure]:
    """Read one archive .txt file; raises DecodeError or OSError for an unreadable file."""
    yield parse_archive(decode_bytes(read_bounded(path)), path)


def parse_archive(text: str, path: Path) -> Article | Failure:
    """Turn the decoded text of an archive file into an Article, or say why not."""
    header, rest = _split_header(text)
    lines = clean_text(rest).split("\n")
    if not lines[0]:
        return Failure(path.name, "empty file" if not header else "no title after the header")
    title = bound(lines[0], MAX_TITLE_CHARS)
    paragraphs, site = strip_site_prefix(strip_ui_prefix(lines[1:]))
    paragraphs, category, outlet = cut_boilerplate(paragraphs)
    paragraphs = drop_repeats(paragraphs, title)
    if not paragraphs:
        return Failure(path.name, "no article text")
    url = header.get("url")
    return Article(
        id=article_id(header.get("id"), url, path),
        title=title,
        body=bound("\n".join(paragraphs), MAX_BODY_CHARS),
        url=url,
        published=parse_date(header.get("published")),
        # The header is what the archivist wrote down; the text only fills gaps.
        source=header.get("source") or outlet or host(url) or site,
        category=header.get("category") or category,
    )


def _split_header(text: str) -> tuple[dict[str, str], str]:
    """Split the leading "key: value" block off text."""
    lines = text.splitlines()
    header: dict[str, str] = {}
    count = 0
    for line in lines:
        match = _HEADER.fullmatch(line.strip())
        if match is None:
            break
        header.setdefault(match[1].lower(), clean_line(match[2]))
        count += 1
    if not count:
        return {}, text
    return {key: value for key, value in header.items() if value}, "\n".join(lines[count:])


def strip_ui_prefix(paragraphs: list[str]) -> list[str]:
    """Remove a page's UI text from the start of the first paragraph."""
    if not paragraphs:
        return paragraphs
    first = _UI_PREFIX.sub("", paragraphs[0], count=1).strip()
    return [first, *paragraphs[1:]] if first else paragraphs[1:]


def strip_site_prefix(paragraphs: list[str]) -> tuple[list[str], str | None]:
    """Remove a leading site name ("Enternews.vn ...") from the lead; return it lowercased."""
    match = _SITE_PREFIX.match(paragraphs[0]) if paragraphs else None
    if match is None:
        return paragraphs, None
    lead = paragraphs[0][match.end() :]
    return ([lead, *paragraphs[1:]] if lead else paragraphs[1:]), match[1].lower()


def cut_boilerplate(paragraphs: list[str]) -> tuple[list[str], str | None, str | None]:
    """Cut trailing site furniture; return the rest and the category and outlet it named."""
    category = outlet = None
    for line in paragraphs:
        if len(line) <= _MAX_FURNITURE_CHARS and (match := _READING.match(line)):
            category, outlet = match["category"], match["outlet"]
            break
    end = next((i for i, line in enumerate(paragraphs) if _furniture(line, tail=True)), None)
    end = len(paragraphs) if end is None else end
    while end and _furniture(paragraphs[end - 1], tail=False):
        end -= 1
    return paragraphs[:end], category, outlet


def _furniture(line: str, *, tail: bool) -> bool:
    """Whether line is boilerplate (tail: only the kinds that start a trailing block)."""
    # Furniture lines are short; the length check also keeps the regexes off huge paragraphs.
    return len(line) <= _MAX_FURNITURE_CHARS and any(
        rule.pattern.fullmatch(line) for rule in BOILERPLATE if rule.starts_tail or not tail
    )


def drop_repeats(paragraphs: list[str], title: str = "") -> list[str]:
    """Keep the first of paragraphs that are equal up to case and spacing (and the title)."""
    seen = {_key(title)}
    kept = []
    for paragraph in paragraphs:
        key = _key(paragraph)
        if key not in seen:
            seen.add(key)
            kept.append(paragraph)
    return kept


def _key(s: str) -> str:
    return " ".join(s.casefold().split())


def parse_date(value: object) -> dt.date | None:
    """Parse YYYY-MM-DD, DD/MM/YYYY or an ISO datetime (in Vietnam time); None if none found."""
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        stamp = dt.datetime.fromisoformat(value.strip())
        # Outlets date articles in Vietnam time, as the corpus does.
        return (stamp.astimezone(_VIETNAM) if stamp.tzinfo else stamp).date()
    except ValueError:
        pass
    except OverflowError:
        return None  # 9999-12-31T23:00-05:00 is past the last date Python has
    for pattern, order in ((_DMY, (2, 1, 0)), (_YMD, (0, 1, 2))):
        if match := pattern.search(value):
            year, month, day = (int(match[i + 1]) for i in order)
            try:
                return dt.date(year, month, day)
            except ValueError:
                continue
    return None


def article_id(given: str | None, url: str | None, path: Path) -> str:
    """Apply the id rule of this module's docstring."""
    if given:
        return given
    return url_id(url) if url else path_id(path)


def url_id(url: str) -> str:
    """Id of an article known by its url."""
    return "u" + hashlib.sha1(url.encode()).hexdigest()[:16]


def path_id(path: Path) -> str:
    """Id of an article known only by its file: the stem if it is an archive id, else a hash."""
    stem = path.stem
    if _ARCHIVE_STEM.fullmatch(stem) and _HEX_PART.search(stem):
        return stem
    return "f" + hashlib.sha1(str(path.resolve()).encode()).hexdigest()[:16]


def content_id(source: str | None, title: str, published: dt.date | None) -> str:
    """Id of a record with neither id nor url."""
    key = f"{source or ''}|{title}|{published.isoformat() if published else ''}"
    return "r" + hashlib.sha1(key.encode()).hexdigest()[:16]


def host(url: str | None) -> str | None:
    """The host of url without "www.", as the corpus names sources."""
    if not url:
        return None
    name = urlsplit(url).hostname
    return name.removeprefix("www.") if name else None
