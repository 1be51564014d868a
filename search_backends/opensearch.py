"""Search's first stage served by OpenSearch (NEWSBOT_OPENSEARCH_URL), opened at the edge.

The article store stays the record: each document carries the analysed terms the store
already holds (pyvi never runs again), one whitespace-analysed field per indexed field,
scored with BM25 at k1 1.5 and the default ranking's b. The index's mapping remembers
which database and which change it reflects, so sync() sends only what changed and a
rerun after a crash sends the same documents again under the same ids (their docnos).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Sequence

import numpy as np
from opensearchpy import ConnectionError as TransportError
from opensearchpy import ConnectionTimeout, OpenSearch, helpers

from index.fields import field_terms
from index.firststage import DateRange
from index.planner import QueryPlan
from index.ranker import STRONG_SHARE
from index.ranking import Ranking
from index.store_seam import ArticleStore
from index.stored_doc import StoredDoc
from storage.breaker import Breaker

from .opensearch_query import document, index_body, plan_query, search_body

log = logging.getLogger(__name__)
# the client logs every failed attempt with a traceback; callers report a failure once
logging.getLogger("opensearch").setLevel(logging.ERROR)

DEFAULT_INDEX = "newsbot-articles"
K1 = 1.5  # BM25Params' k1
BATCH = 500  # documents per bulk request
QUIET_LOAD = 10_000  # a sync of more new docnos than this pauses the periodic refresh
# a reader's search waits at most this long, and a timeout is not tried again: a node that
# does not answer (frozen, overloaded) must free the bot's thread and let the outage guard
# keep the question, not hold it for the bulk requests' timeout times their retries
SEARCH_SECONDS = 5.0


class SearchUnavailable(ConnectionError):
    """OpenSearch does not answer at the configured URL."""


class PlanNotServed(ValueError):
    """A plan this index cannot score as asked (another idf or length normalization)."""


def client(
    url: str,
    timeout: float,
    auth: tuple[str, str] | None = None,
    ca: str | None = None,
    retries: int = 2,
    retry_on_timeout: bool = True,
) -> OpenSearch:
    """A client of the cluster at url: basic auth and a CA file for a secured cluster."""
    secure = {"verify_certs": True, "ca_certs": ca} if ca else {}
    return OpenSearch(
        url,
        timeout=timeout,
        max_retries=retries,
        retry_on_timeout=retry_on_timeout and retries > 0,
        http_auth=auth,
        **secure,
    )


def ping(
    url: str,
    index: str,
    timeout: float = 2.0,
    auth: tuple[str, str] | None = None,
    ca: str | None = None,
) -> None:
    """Count the index's documents within timeout seconds, no retry; raises if it cannot."""
    probe = client(url, timeout, auth, ca, retries=0)
    try:
        probe.count(index=index)
    finally:
        probe.close()


class OpenSearchStage:
    """The first stage of search over an OpenSearch index that follows one article store."""

    def __init__(
        self,
        url: str,
        index: str = DEFAULT_INDEX,
        *,
        shards: int = 1,
        replicas: int = 0,
        b: float | None = None,
        timeout: float = 60.0,
        auth: tuple[str, str] | None = None,
        ca: str | None = None,
    ):
        self.url = url
        self.index = index
        self.shards, self.replicas = shards, replicas
        # Lucene fixes b per field in the mapping: the default ranking's, as the bot uses it
        self.b = Ranking().b if b is None else b
        self.client = client(url, timeout, auth, ca)  # the module's function, not self.client
        # searches: a connection that broke is tried again, a node that does not answer is not
        self.searcher = client(url, min(timeout, SEARCH_SECONDS), auth, ca, 1, False)
        # once the node is found not answering, searches fail at once until a ping answers:
        # each one sent meanwhile would wait in the node, and delay the first answers after
        self.breaker = Breaker(
            f"OpenSearch {url}",
            lambda: ping(url, index, 2.0, auth, ca),
            lost=lambda error: isinstance(error, TransportError),
            doubtful=(ConnectionTimeout,),  # maybe only busy: the ping decides
            error=SearchUnavailable,
        )

    def close(self) -> None:
        """Release the connection pools."""
        self.client.close()
        self.searcher.close()

    def describe(self) -> str:
        """What serves the search, for `newsbot stats`."""
        count = self.client.count(index=self.index)["count"]
        return f"OpenSearch {self.url} (index {self.index}, {count:,} documents)"

    # ---- the index and its state ------------------------------------------------------

    def _meta(self) -> dict | None:
        """The index's record of the store it follows, or None when there is no index."""
        if not self.client.indices.exists(index=self.index):
            return None
        mapping = self.client.indices.get_mapping(index=self.index)
        return next(iter(mapping.values()))["mappings"].get("_meta", {})

    def create(self, database: str) -> None:
        """Create the index, empty, for a database (any older index of that name goes)."""
        self.client.indices.delete(index=self.index, ignore_unavailable=True)
        meta = {"database": database, "seq": 0, "docno": 0, "k1": K1, "b": self.b}
        body = index_body(self.shards, self.replicas, K1, self.b, meta)
        self.client.indices.create(index=self.index, body=body)
        self.client.cluster.health(
            index=self.index, wait_for_status="yellow" if self.replicas else "green"
        )

    def delete(self) -> None:
        """Remove the index."""
        self.client.indices.delete(index=self.index, ignore_unavailable=True)

    def _set_meta(self, **changes) -> None:
        meta = {**(self._meta() or {}), **changes}
        self.client.indices.put_mapping(index=self.index, body={"_meta": meta})

    # ---- following the store -----------------------------------------------------------

    def sync(self, store: ArticleStore) -> int:
        """Send the store's additions and removals since the last sync; count them."""
        meta = self._meta()
        database = store.database_id()
        if meta is None or meta.get("database") != database or meta.get("b") != self.b:
            self.create(database)
            meta = self._meta() or {}
        # read the marks first: whatever is written meanwhile is sent now or next time
        seq, docno = store.seq(), store.max_docno()
        if seq == meta.get("seq") and docno == meta.get("docno"):
            return 0
        # removals first: an edit retires one docno and adds another
        gone = [d.docno for d in store.retired_docs(after_seq=int(meta.get("seq", 0)))]
        changes = self._delete(gone)
        bulk = docno - int(meta.get("docno", 0)) > QUIET_LOAD
        if bulk:  # a big load writes segments without refreshing readers every second
            self._refresh_every("-1")
        try:
            changes += self.load(store.live_docs(after_docno=int(meta.get("docno", 0))))
        finally:
            if bulk:
                self._refresh_every(None)  # back to the default
        self.client.indices.refresh(index=self.index)
        self._set_meta(seq=seq, docno=docno)
        # up to the mark only: another process may be writing past it right now
        live = sum(1 for d, _ in store.live_dates() if d <= docno)
        upto = {"query": {"range": {"docno": {"lte": docno}}}}
        if self.client.count(index=self.index, body=upto)["count"] != live:
            # a compaction forgot retired rows this index never heard of: compare all docnos
            changes += self.reconcile(store)
        return changes

    def _refresh_every(self, interval: str | None) -> None:
        body = {"index": {"refresh_interval": interval}}
        self.client.indices.put_settings(index=self.index, body=body)

    def load(self, docs: Iterable[StoredDoc], refresh: bool = False) -> int:
        """Index analysed documents under their docnos (again: the same document)."""
        actions = (
            {
                "_op_type": "index",
                "_index": self.index,
                "_id": str(d.docno),
                "_source": document(d.docno, field_terms(d.title_terms, d.body_terms), d.published),
            }
            for d in docs
        )
        sent = 0
        # two requests in flight: the next batch's fields are built while a batch is indexed
        for ok, item in helpers.parallel_bulk(
            self.client, actions, thread_count=2, chunk_size=BATCH, raise_on_error=False
        ):
            if not ok:
                raise RuntimeError(f"OpenSearch refused a document: {item}")
            sent += 1
        if refresh:
            self.client.indices.refresh(index=self.index)
        return sent

    def _delete(self, docnos: Sequence[int]) -> int:
        """Remove documents by docno; an absent one is no error (a rerun removes it again)."""
        actions = ({"_op_type": "delete", "_index": self.index, "_id": str(d)} for d in docnos)
        done = 0
        for ok, item in helpers.streaming_bulk(
            self.client, actions, chunk_size=BATCH, raise_on_error=False
        ):
            if ok:
                done += 1
            elif item.get("delete", {}).get("status") != 404:
                raise RuntimeError(f"OpenSearch could not remove a document: {item}")
        return done

    def _indexed_docnos(self) -> Iterator[int]:
        """Every docno the index holds."""
        for hit in helpers.scan(
            self.client, index=self.index, query={"query": {"match_all": {}}}, _source=False
        ):
            yield int(hit["_id"])

    def reconcile(self, store: ArticleStore) -> int:
        """Make the index hold exactly the store's live articles; count the changes."""
        live = {docno for docno, _ in store.live_dates()}
        indexed = set(self._indexed_docnos())
        extra = sorted(indexed - live)
        missing = sorted(live - indexed)
        log.warning(
            "OpenSearch index %s: %d stale and %d missing documents, mended",
            self.index,
            len(extra),
            len(missing),
        )
        changes = self._delete(extra)
        wanted = set(missing)
        changes += self.load(d for d in store.live_docs() if d.docno in wanted)
        self.client.indices.refresh(index=self.index)
        return changes

    # ---- searching -----------------------------------------------------------------

    def best(
        self,
        plan: QueryPlan,
        k: int,
        *,
        date_range: DateRange | None = None,
        prefer: DateRange | None = None,
        only: np.ndarray | None = None,
    ) -> tuple[np.ndarray, np.ndarray, int]:
        """The k best docnos, their scores, and how many articles matched (Ranker.best)."""
        if not plan.lucene:
            raise PlanNotServed("OpenSearch scores with Lucene's idf only")
        if plan.b is not None and plan.b != self.b:
            raise PlanNotServed(f"this OpenSearch index normalizes length with b {self.b}")
        docs = None if only is None else only.tolist()
        if not plan.parts or (docs is not None and not docs):
            return np.zeros(0, np.int64), np.zeros(0), 0
        query = plan_query(plan, date_range, docs)
        found = self._search(query, k)
        docnos, scores, total = found
        if prefer is not None and len(scores) and k > 0:
            # the good matches of the period asked for come first (Ranker.top)
            floor = STRONG_SHARE * float(scores[0])
            inside = self._search(plan_query(plan, date_range, docs, prefer), k, floor)
            if len(inside[0]):
                seen = set(inside[0].tolist())
                rest = [i for i, d in enumerate(docnos.tolist()) if d not in seen]
                docnos = np.concatenate([inside[0], docnos[rest]])[:k]
                scores = np.concatenate([inside[1], scores[rest]])[:k]
        return docnos, scores, total

    def _search(
        self, query: dict, k: int, min_score: float | None = None
    ) -> tuple[np.ndarray, np.ndarray, int]:
        body = search_body(query, max(k, 0))
        if min_score is not None:
            body["min_score"] = min_score
        self.breaker.check()
        try:
            # dfs: every shard scores with the whole index's statistics, as one index would
            answer = self.searcher.search(
                index=self.index, body=body, search_type="dfs_query_then_fetch"
            )
        except Exception as error:
            self.breaker.trip(error)
            raise
        hits = answer["hits"]["hits"]
        docnos = np.array([int(h["_id"]) for h in hits], np.int64)
        scores = np.array([float(h["_score"]) for h in hits], np.float64)
        return docnos, scores, int(answer["hits"]["total"]["value"])
