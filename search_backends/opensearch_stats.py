"""The planner's statistics read from the cluster: a replica holds no postings of its own.

Document and collection frequencies of the terms a question is planned with (the folded
vocabulary that splits accentless text, the syllables spelling checks, the weights of the
words to highlight) and each field's counts come from the term vectors API, asked about an
artificial document holding every wanted term: one request per batch, however many terms
(_terms_enum gives no counts, _count is a request per term; neither was timed). Each shard
answers for its own documents, so a request goes to every shard (a routing key found for
each) and the counts are summed, as the index's BM25 sums them under dfs_query_then_fetch.
Counts are kept in a bounded cache, emptied when the index changes (OpenSearchStage.sync).
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, Protocol

from opensearchpy import OpenSearch

from index.fields import BODY, FIELDS

__all__ = ["CACHED_TERMS", "ClusterStatistics", "RemoteField"]

CACHED_TERMS = 200_000  # (field, term) counts kept, least recently used out first (~40 MB)
# what is read of the term vectors: the counts (not each term's frequency in the question)
COUNTS = (
    "term_vectors.*.field_statistics,term_vectors.*.terms.*.doc_freq,term_vectors.*.terms.*.ttf"
)
DOCS = ",".join(f"docs.{p}" for p in COUNTS.split(","))
_FILLER = "."  # a term in a field of no wanted term: its counts come back with the others
_ROUTING_TRIES = 1000  # routing keys tried to reach every shard
_RETRIES = 3  # a count failing on a shard is asked again this often, after a pause


class Guard(Protocol):
    """A breaker (storage.breaker.Breaker): fail at once while the cluster is known lost."""

    def check(self) -> None: ...
    def trip(self, error: BaseException) -> None: ...


class RemoteField:
    """One field's counts as the planner reads them (FieldPostings' statistics)."""

    def __init__(self, stats: ClusterStatistics, name: str):
        self._stats, self.name = stats, name

    @property
    def n_docs(self) -> int:
        """Documents holding the field (deleted ones until Lucene merges them away, as BM25)."""
        return self._stats.field_counts(self.name)[0]

    @property
    def total_len(self) -> int:
        """Terms of the field in all documents."""
        return self._stats.field_counts(self.name)[1]

    def df(self, term: str) -> int:
        """Documents holding the term."""
        return self._stats.counts(self.name, term)[0]

    def cf(self, term: str) -> int:
        """Occurrences of the term in all documents."""
        return self._stats.counts(self.name, term)[1]

    def vocab_size(self) -> int:
        """The body terms the loader counted (opensearch_vocab.py); -1: not counted, or
        another field (the cluster has no API that counts a field's terms)."""
        return self._stats.vocabulary() if self.name == BODY.name else -1


class ClusterStatistics(Mapping[str, RemoteField]):
    """Each indexed field's counts from an OpenSearch index, cached; safe between threads."""

    def __init__(
        self, client: OpenSearch, index: str, limit: int = CACHED_TERMS, guard: Guard | None = None
    ):
        self.client, self.index, self.limit, self.guard = client, index, limit, guard
        self._fields = {name: RemoteField(self, name) for name in FIELDS}
        self._lock = threading.Lock()
        self._terms: OrderedDict[tuple[str, str], tuple[int, int]] = OrderedDict()
        self._field_counts: dict[str, tuple[int, int]] = {}
        self._pending: set[tuple[str, str]] = set()
        self._routes: list[str | None] | None = None
        self.requests = 0  # sent since open: what a batch saves shows here

    # ---- Mapping: fields by name ----------------------------------------------------

    def __getitem__(self, name: str) -> RemoteField:
        return self._fields[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._fields)

    def __len__(self) -> int:
        return len(self._fields)

    # ---- reading --------------------------------------------------------------------

    def prefetch(self, wanted: Iterable[tuple[str, str]]) -> None:
        """Note (field, term) pairs about to be read: the next read fetches them all at once."""
        with self._lock:
            self._pending.update(w for w in wanted if w not in self._terms)

    def counts(self, field: str, term: str) -> tuple[int, int]:
        """(documents holding term, its occurrences) in field."""
        key = (field, term)
        with self._lock:
            hit = self._terms.get(key)
            if hit is not None:
                self._terms.move_to_end(key)
                return hit
            self._pending.add(key)
        fetched = self._flush()
        return fetched.get(key) or self._terms.get(key, (0, 0))

    def field_counts(self, field: str) -> tuple[int, int]:
        """(documents holding the field, its terms in all of them)."""
        counts = self._field_counts.get(field)
        if counts is None:
            self._flush()
            counts = self._field_counts.get(field, (0, 0))
        return counts

    def frequencies(self, field: str, terms: list[str], batch: int = 20_000) -> dict[str, int]:
        """Documents holding each term, asked in batches (not cached: a sync's many terms)."""
        out: dict[str, int] = {}
        for i in range(0, len(terms), batch):
            for answer in self._ask({field: " ".join(terms[i : i + batch])}):
                got = answer.get("term_vectors", {}).get(field, {}).get("terms", {})
                for term, t in got.items():
                    out[term] = out.get(term, 0) + int(t.get("doc_freq", 0))
        return out

    def vocabulary(self) -> int:
        """The body terms the index's mapping records (-1 when it records none)."""
        mapping = self.client.indices.get_mapping(index=self.index)
        return int(next(iter(mapping.values()))["mappings"].get("_meta", {}).get("terms", -1))

    def clear(self) -> None:
        """Forget every count: the index changed."""
        with self._lock:
            self._terms.clear()
            self._field_counts.clear()

    def forget_layout(self) -> None:
        """The index was made again (its shards may differ): find the routing keys again."""
        self._routes = None
        self.clear()

    # ---- fetching ---------------------------------------------------------------------

    def _flush(self) -> dict[tuple[str, str], tuple[int, int]]:
        """Fetch every pending pair's counts, and the fields' counts, in one request."""
        wanted: dict[str, list[str]] = {}
        with self._lock:  # the request itself goes without it: cached reads go on meanwhile
            for field, term in self._pending:
                if term and not any(c.isspace() for c in term):  # one whitespace token each
                    wanted.setdefault(field, []).append(term)
            self._pending.clear()
            for field in self._fields:
                if field not in self._field_counts and field not in wanted:
                    wanted[field] = [_FILLER]
        if not wanted:
            return {}
        doc = {field: " ".join(terms) for field, terms in wanted.items()}
        found: dict[tuple[str, str], list[int]] = {}
        totals: dict[str, list[int]] = {}
        for answer in self._ask(doc):
            for field, vectors in answer.get("term_vectors", {}).items():
                stats = vectors.get("field_statistics", {})
                total = totals.setdefault(field, [0, 0])
                total[0] += int(stats.get("doc_count", 0))
                total[1] += int(stats.get("sum_ttf", 0))
                for term, t in vectors.get("terms", {}).items():
                    count = found.setdefault((field, term), [0, 0])
                    count[0] += int(t.get("doc_freq", 0))
                    count[1] += int(t.get("ttf", 0))
        fetched = {
            (field, term): tuple(found.get((field, term), (0, 0)))
            for field, terms in wanted.items()
            for term in terms
            if term is not _FILLER
        }
        with self._lock:
            self._field_counts.update((f, (n, length)) for f, (n, length) in totals.items())
            self._terms.update(fetched)  # type: ignore[arg-type]
            while len(self._terms) > self.limit:
                self._terms.popitem(last=False)
        return fetched  # type: ignore[return-value]

    def _ask(self, doc: dict) -> list[dict]:
        """The term vectors of an artificial document, as each shard counts."""
        routes = self._routing()
        options = {
            "term_statistics": True,
            "field_statistics": True,
            "positions": False,
            "offsets": False,
            "payloads": False,
        }
        self.requests += 1
        if routes == [None]:
            body = {"doc": doc, **options}
            ask = self.client.termvectors
            return [self._call(lambda: ask(index=self.index, body=body, filter_path=COUNTS))]
        docs = [{"_index": self.index, "doc": doc, "routing": r, **options} for r in routes]
        for attempt in range(_RETRIES + 1):
            answers = self._call(
                lambda: self.client.mtermvectors(
                    body={"docs": docs}, filter_path=f"docs.error,{DOCS}"
                )
            )["docs"]
            failed = [a["error"] for a in answers if "error" in a]
            if not failed:
                return answers
            time.sleep(0.25 * (attempt + 1))  # a lost node's shards move over meanwhile
        # a shard's counts missing would plan with a part of the archive's: no plan at all
        raise RuntimeError(f"OpenSearch could not count terms: {failed[0]}")

    def _call(self, request: Callable[[], Any]) -> Any:
        """A request, through the guard when there is one (a lost cluster fails at once)."""
        if self.guard is None:
            return request()
        self.guard.check()
        try:
            return request()
        except Exception as error:
            self.guard.trip(error)
            raise

    def _routing(self) -> list[str | None]:
        """One routing key per shard ([None] for one shard)."""
        if self._routes is None:  # two threads may both look: the same keys
            settings = self.client.indices.get_settings(index=self.index)
            shards = int(next(iter(settings.values()))["settings"]["index"]["number_of_shards"])
            if shards == 1:
                self._routes = [None]
            else:
                keys: dict[int, str] = {}
                for n in range(_ROUTING_TRIES):
                    found = self.client.search_shards(index=self.index, routing=str(n))
                    keys.setdefault(int(found["shards"][0][0]["shard"]), str(n))
                    if len(keys) == shards:
                        break
                self._routes = [keys[s] for s in sorted(keys)]
        return self._routes
