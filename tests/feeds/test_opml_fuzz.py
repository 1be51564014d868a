"""OPML from anywhere: any encoding, hostile fields and DTDs never crash, bloat or expand."""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from feeds.opml import MAX_TITLE_CHARS, OpmlError, read_opml
from index.normalize import INVISIBLE
from index.urls import MAX_URL_CHARS

FUZZ = settings(max_examples=150, deadline=None)
ENCODINGS = ["utf-8", "utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"]
# What XML 1.0 can carry in an attribute (no lone surrogates, no C0 controls but tab/newline)
XML_TEXT = st.text(
    st.characters(codec="utf-8", exclude_categories=["Cs"]).filter(
        lambda c: c in "\t\n" or (ord(c) >= 0x20 and c not in "\ufffe\uffff")
    ),
    max_size=60,
)
WORDS = ["Tin", "tức", "Giá", "vàng", "Thời", "sự", "\u200b", "\u202e", "\x85", "\ufeff"]
TITLES = st.lists(st.sampled_from(WORDS) | XML_TEXT, max_size=6).map(" ".join)


def document(outlines: list[tuple[str, str]], encoding: str, declared: bool = True) -> bytes:
    body = "".join(
        f"<outline type='rss' text={quoteattr(title)} xmlUrl={quoteattr(url)}/>"
        for url, title in outlines
    )
    name = encoding.upper().replace("-LE", "LE").replace("-BE", "BE")
    head = f'<?xml version="1.0" encoding="{name}"?>' if declared else ""
    text = f'{head}<opml version="2.0"><head/><body>{body}</body></opml>'
    return text.encode(encoding)


def check(found: list[tuple[str, str | None]]) -> None:
    for url, title in found:
        assert len(url) <= MAX_URL_CHARS + 1 and not INVISIBLE.search(url)
        if title is not None:
            assert 0 < len(title) <= MAX_TITLE_CHARS and not INVISIBLE.search(title)


@FUZZ
@given(
    titles=st.lists(TITLES, min_size=1, max_size=5),
    junk=st.lists(st.tuples(XML_TEXT, TITLES), max_size=4),
    encoding=st.sampled_from(ENCODINGS),
)
def test_opml_in_any_unicode_encoding_reads_its_feeds(titles, junk, encoding) -> None:
    good = [(f"https://bao{n}.example.vn/rss", title) for n, title in enumerate(titles)]
    found = dict(read_opml(document(good + junk, encoding)))
    check(list(found.items()))
    for url, _ in good:
        assert url in found


@FUZZ
@given(data=st.binary(max_size=2_000), encoding=st.sampled_from(ENCODINGS))
def test_random_bytes_are_opml_or_an_opml_error(data, encoding) -> None:
    for attempt in (data, "<opml><body>".encode(encoding) + data):
        try:
            check(read_opml(attempt))
        except OpmlError:
            pass


ENTITIES = (
    '<!DOCTYPE opml [<!ENTITY a "{a}"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
    '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>'
)


@pytest.mark.parametrize("encoding", ENCODINGS)
def test_a_dtd_is_refused_in_every_encoding(encoding) -> None:
    name = encoding.upper()
    bomb = (
        f'<?xml version="1.0" encoding="{name}"?>'
        + ENTITIES.format(a="x" * 1000)
        + '<opml><body><outline title="&c;" xmlUrl="https://a.vn/rss"/></body></opml>'
    )
    with pytest.raises(OpmlError, match="DTD"):
        read_opml(bomb.encode(encoding))


def test_a_doctype_after_the_first_4_kb_is_refused() -> None:
    late = (
        '<?xml version="1.0"?><!--' + " " * 5000 + '--><!DOCTYPE opml SYSTEM "file:///etc/passwd">'
        '<opml><body><outline text="a" xmlUrl="https://a.vn/rss"/></body></opml>'
    )
    with pytest.raises(OpmlError, match="DTD"):
        read_opml(late.encode())


def test_every_field_is_capped() -> None:
    long_title = "Tin tức " * 5_000
    long_url = "https://a.vn/" + "x" * 10_000
    found = read_opml(document([(long_url, "A"), ("https://b.vn/rss", long_title)], "utf-32"))
    assert [len(url) for url, _ in found] == [MAX_URL_CHARS + 1, len("https://b.vn/rss")]
    assert len(found[1][1]) <= MAX_TITLE_CHARS
    hidden = read_opml(document([("https://c.vn/\u202erss\u200b", "Giá\u200bvàng\u202e")], "utf-8"))
    assert hidden == [("https://c.vn/rss", "Giávàng")]
