"""OpenSearch requests built from the index's own pieces: the mapping and a plan's query.

Pure: builds request bodies, sends nothing (search_backends/opensearch.py sends them).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence

from index.fields import FIELDS, SYLLABLE_FIELDS
from index.planner import QueryPlan

SIMILARITY = "newsbot_bm25"
# a source filter lists its docnos: an outlet may hold far more than the default 65,536
MAX_TERMS = 2_000_000


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
    """The plan as a bool query whose score is the Ranker's sum of weighted BM25 parts.

    Word parts score every article holding the word (each occurrence of a word in the
    question counts once more, as the Ranker sums them). Syllables add their score but
    admit an article alone only when it holds over half of the question's distinct
    syllables. OpenSearch's BM25 is Lucene's LegacyBM25Similarity, which keeps the
    (k1 + 1) factor, so scores are on the embedded engine's scale and the passage scores
    added later weigh the same.
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
    filters: list[dict] = [{"bool": {"should": admit, "minimum_should_match": 1}}]
    if date_range is not None:
        filters.append(_range(date_range))
    if inside is not None:
        filters.append(_range(inside))
    if only is not None:
        filters.append({"terms": {"docno": list(only)}})
    return {"bool": {"should": scored, "filter": filters}}


def search_body(query: dict, size: int, count_upto: int | bool = True) -> dict:
    """A search for the size best, ties broken toward newer, then later, articles.

    count_upto: matches are counted up to this many (True: all of them).
    """
    return {
        "query": query,
        "size": size,
        "track_total_hits": count_upto,
        "track_scores": True,
        "sort": [
            {"_score": "desc"},
            {"published": {"order": "desc", "missing": "_last"}},
            {"docno": "desc"},
        ],
        "_source": False,
        "stored_fields": "_none_",  # the docno and day are in the sort values
    }
