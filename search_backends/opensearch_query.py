"""OpenSearch requests built from the index's own pieces: the mapping and a plan's query.

Pure: builds request bodies, sends nothing (search_backends/opensearch.py sends them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from index.fields import FIELDS, SYLLABLE_FIELDS
from index.live_postings import NO_DATE
from index.planner import QueryPlan

SIMILARITY = "newsbot_bm25"
# a source filter lists its docnos: an outlet may hold far more than the default 65,536
MAX_TERMS = 2_000_000
TIES = 10  # a search by score alone asks at least this many more than it keeps
DAY_MS = 86_400_000


def index_body(shards: int, replicas: int, k1: float, b: float, meta: dict) -> dict:
    """Settings and mapping: one whitespace-analysed text field per indexed field."""
    text = {
        "type": "text",
        "analyzer": "whitespace",  # the terms were made by our analyzer, once, and stored
        "similarity": SIMILARITY,
        "index_options": "freqs",  # BM25 needs frequencies, no positions
    }
    return {
        "settings": {
            "index": {
                "number_of_shards": shards,
                "number_of_replicas": replicas,
                "max_terms_count": MAX_TERMS,
                "similarity": {SIMILARITY: {"type": "BM25", "k1": k1, "b": b}},
            }
        },
        "mappings": {
            "dynamic": "strict",
            "_source": {"enabled": False},  # texts are read from the article store
            "_meta": meta,
            "properties": {
                **{name: dict(text) for name in FIELDS},
                "docno": {"type": "long"},
                "published": {"type": "date", "format": "strict_date"},
            },
        },
    }


def document(docno: int, fields: dict[str, list[str]], published: dt.date | None) -> dict:
    """One article as indexed: its fields' terms joined by spaces."""
    doc: dict = {name: " ".join(terms) for name, terms in fields.items()}
    doc["docno"] = docno
    if published is not None:
        doc["published"] = published.isoformat()
    return doc


def _range(rng: tuple[dt.date | None, dt.date | None]) -> dict:
    lo, hi = rng
    bounds = {}
    if lo is not None:
        bounds["gte"] = lo.isoformat()
    if hi is not None:
        bounds["lte"] = hi.isoformat()
    # an undated article is never inside a range, even an open one
    return {"range": {"published": bounds}} if bounds else {"exists": {"field": "published"}}


def plan_query(
    plan: QueryPlan,
    date_range: tuple[dt.date | None, dt.date | None] | None = None,
    only: Sequence[int] | None = None,
    inside: tuple[dt.date | None, dt.date | None] | None = None,
) -> dict:
    """The plan as a query whose score is the Ranker's sum of weighted BM25 parts.

    Word parts score every article holding the word (each occurrence of a word in the
    question counts once more, as the Ranker sums them). Syllables add their score but
    admit an article alone only when it holds over half of the question's distinct
    syllables. OpenSearch's BM25 is Lucene's LegacyBM25Similarity, which keeps the
    (k1 + 1) factor, so scores are on the embedded engine's scale and the passage scores
    added later weigh the same.

    Returns the search body's "query" and "post_filter": the admission rule is a post
    filter, checked on the documents the scored disjunction offers, so Lucene's block-max
    WAND skips what cannot enter the top (as a query filter it made Lucene score every
    article holding a common word: 6x slower at 1M, docs/benchmarks.md). Dates and
    outlets stay query filters: they lead the iteration and cut it short.
    """
    scored: list[dict] = []
    words: list[dict] = []
    sylls: list[dict] = []
    for field, terms, weight in plan.parts:
        if field in SYLLABLE_FIELDS:
            for term in dict.fromkeys(terms):
                q = {"term": {field: {"value": term, "boost": weight}}}
                scored.append(q)
                sylls.append({"term": {field: term}})
        else:
            for term, times in Counter(terms).items():
                scored.append({"term": {field: {"value": term, "boost": weight * times}}})
                words.append({"term": {field: term}})
    admit: list[dict] = list(words)
    if sylls:
        need = len(sylls) // 2 + 1
        admit.append({"bool": {"should": sylls, "minimum_should_match": need}})
    filters: list[dict] = []
    if date_range is not None:
        filters.append(_range(date_range))
    if inside is not None:
        filters.append(_range(inside))
    if only is not None:
        filters.append({"terms": {"docno": list(only)}})
    query: dict = {"bool": {"should": scored}}
    if filters:
        query["bool"]["filter"] = filters
    return {"query": query, "post_filter": {"bool": {"should": admit, "minimum_should_match": 1}}}


def search_body(parts: dict, size: int, count_upto: int | bool = True, exact: bool = False) -> dict:
    """A search for the size best of plan_query's parts, by score alone.

    count_upto: matches are counted up to this many (True: all of them). Lucene breaks
    ties by its own document order, not the embedded engine's (newer, then later, first):
    asked for more than needed, the answer is put in order by in_order(). exact: sorted
    by the node in that order (Lucene then scores every match: the rare fallback).
    """
    body = {
        **parts,
        "size": size,
        "track_total_hits": count_upto,
        "_source": False,
        "stored_fields": "_none_",
        "docvalue_fields": ["docno", {"field": "published", "format": "epoch_millis"}],
    }
    if exact:
        body["track_scores"] = True
        body["sort"] = [
            {"_score": "desc"},
            {"published": {"order": "desc", "missing": "_last"}},
            {"docno": "desc"},
        ]
    return body


def asked_for(k: int) -> int:
    """How many to ask for k by score alone: room for the ties Lucene orders its own way."""
    return k + max(k, TIES)


def hit_row(hit: dict) -> tuple[float, int, int]:
    """A hit's score, publication day (NO_DATE when undated) and docno."""
    fields = hit.get("fields", {})
    published = fields.get("published")
    day = int(float(published[0])) // DAY_MS if published else NO_DATE
    return float(hit["_score"]), day, int(fields["docno"][0])


def best_of(answer: dict, k: int, asked: int | None) -> tuple[list[tuple[float, int, int]], bool]:
    """The k best (score, day, docno) of a search's answer in the embedded engine's order
    (score, newer, later docno first), and whether they are sure.

    asked: how many a search by score alone asked for; they are not sure when the k-th
    score's ties may go on past the hits (Lucene kept the first of them in its own order).
    None: the answer is sorted by the node in that order already.
    """
    rows = [hit_row(h) for h in answer["hits"].get("hits", [])]  # none: filter_path drops it
    if asked is None:
        return rows[:k], True
    ordered = sorted(rows, key=lambda r: (-r[0], -r[1], -r[2]))[:k]
    sure = len(rows) < asked or not ordered or rows[-1][0] < ordered[-1][0]
    return ordered, sure


def msearch_lines(index: str, shards: int, bodies: list[dict]) -> list[dict]:
    """A multi-search's lines: each search body after its header."""
    head = {
        "index": index,
        # dfs: every shard scores with the whole index's statistics, as one index would
        "search_type": "dfs_query_then_fetch" if shards > 1 else "query_then_fetch",
        "request_cache": True,  # kept by the shards until the next refresh
        # a shard with no copy left is an error (tried again), never a partial list
        "allow_partial_search_results": False,
    }
    return [line for body in bodies for line in (head, body)]
