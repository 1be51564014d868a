"""Fuzzing every reader: random bytes and random records never crash a run, good ones survive."""

from __future__ import annotations

import csv
import gzip
import io
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from index.models import Article, Failure
from index.normalize import INVISIBLE
from index.sources import SUFFIXES, read_file

FUZZ = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
WORDS = ["Giá", "vàng", "hôm", "nay", "tăng", "mạnh", "Hà", "Nội", "bão", "số", "5", "thuỷ"]

# Anything JSON can hold, lone surrogates and control characters included.
ANY_TEXT = st.text(st.characters(codec=None, categories=None), max_size=40)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | ANY_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(ANY_TEXT, inner, max_size=4),
    max_leaves=12,
)
FIELDS = ["id", "title", "url", "published", "source", "category", "body"]
BAD_RECORDS = st.dictionaries(st.sampled_from(FIELDS) | ANY_TEXT, JSON_VALUES, max_size=7) | (
    JSON_VALUES
)
PHRASES = st.lists(st.sampled_from(WORDS), min_size=1, max_size=8).map(" ".join)
DATES = (
    st.sampled_from(
        ["9999-12-31T23:00:00-05:00", "0001-01-01T00:00:00+14:00", "31/02/2024", "2024-13-45"]
    )
    | ANY_TEXT
)
# Records that are articles, with hostile text in every field: they must come out clean.
ODD_RECORDS = st.fixed_dictionaries(
    {
        "title": st.tuples(ANY_TEXT, PHRASES).map(" ".join),
        "body": st.tuples(PHRASES, ANY_TEXT).map(" ".join),
    },
    optional={"id": ANY_TEXT, "url": ANY_TEXT, "published": DATES, "source": ANY_TEXT},
)


def good_record(n: int, title: str, body: str) -> dict:
    return {"id": f"good-{n}", "title": title, "body": body, "published": "2024-05-06"}


def check_articles(items: list[Article | Failure]) -> list[Article]:
    """Every item is an Article or a Failure, and every Article can be stored and shown."""
    assert items, "a file is never skipped without a word"
    articles = []
    for item in items:
        assert isinstance(item, Article | Failure)
        if isinstance(item, Article):
            assert item.title and item.body and item.id
            for text in (item.title, item.body, item.id, item.url or "", item.source or ""):
                text.encode("utf-8")  # no lone surrogates: SQLite would refuse the batch
                assert not INVISIBLE.search(text)
            articles.append(item)
        else:
            assert item.origin and item.reason
    return articles


def read(folder: Path, name: str, data: bytes) -> list[Article | Failure]:
    path = folder / name
    path.write_bytes(data)
    return list(read_file(path))


@FUZZ
@given(data=st.binary(max_size=3_000), suffix=st.sampled_from(SUFFIXES), zipped=st.booleans())
def test_random_bytes_never_crash_a_reader(data: bytes, suffix: str, zipped: bool) -> None:
    with tempfile.TemporaryDirectory() as folder:
        check_articles(read(Path(folder), "x" + suffix, gzip.compress(data) if zipped else data))


@FUZZ
@given(
    bad=st.lists(BAD_RECORDS | ODD_RECORDS, max_size=6),
    good=st.lists(st.tuples(PHRASES, PHRASES), min_size=1, max_size=4),
    order=st.randoms(use_true_random=False),
)
def test_random_json_records_keep_the_good_ones(bad, good, order) -> None:
    records = [good_record(n, t, b) for n, (t, b) in enumerate(good)] + bad
    order.shuffle(records)
    wanted = {f"good-{n}" for n in range(len(good))}
    lines = "\n".join(json.dumps(r) for r in records).encode()
    with tempfile.TemporaryDirectory() as folder:
        for name, data in [
            ("a.jsonl", lines),
            ("a.jsonl.gz", gzip.compress(lines)),
            ("a.json", json.dumps(records).encode()),
            ("b.json", json.dumps(records, indent=2).encode("utf-16")),
        ]:
            got = {a.id for a in check_articles(read(Path(folder), name, data))}
            assert wanted <= got, name


@FUZZ
@given(
    bad=st.lists(st.lists(ANY_TEXT, max_size=9), max_size=6),
    good=st.lists(st.tuples(PHRASES, PHRASES), min_size=1, max_size=4),
    order=st.randoms(use_true_random=False),
)
def test_random_csv_rows_keep_the_good_ones(bad, good, order) -> None:
    header = ["id", "title", "url", "published", "source", "category", "body"]
    rows = [[f"good-{n}", t, "", "2024-05-06", "", "", b] for n, (t, b) in enumerate(good)]
    # a bad row has no more fields than the header, and no NUL: the csv module's own limits
    rows += [[c.replace("\x00", "") for c in row[:7]] for row in bad]
    order.shuffle(rows)
    text = io.StringIO()
    csv.writer(text).writerows([header, *rows])
    wanted = {f"good-{n}" for n in range(len(good))}
    with tempfile.TemporaryDirectory() as folder:
        data = text.getvalue().encode("utf-8", "surrogatepass")
        got = {a.id for a in check_articles(read(Path(folder), "a.csv", data))}
        # a surrogate is not UTF-8: its line fails alone, and the rows around it are kept
        spoiled = {r[0] for r in rows if any("\ud800" <= ch <= "\udfff" for c in r for ch in c)}
        assert wanted - spoiled <= got
