"""Search's first stage served by OpenSearch (NEWSBOT_OPENSEARCH_URL), opened at the edge.

The article store stays the record: each document carries the analysed terms the store
already holds (pyvi never runs again), one whitespace-analysed field per indexed field,
scored with BM25 at k1 1.5 and the default ranking's b. The index's mapping remembers
which database and which change it reflects, so sync() sends only what changed and a
rerun after a crash sends the same documents again under the same ids (their docnos).
"""

from __future__ import annotations

import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Iterable, Mapping
from typing import TextIO

import numpy as np
from opensearchpy import ConnectionError as TransportError
from opensearchpy import ConnectionTimeout, OpenSearch

from index.firststage import DateRange
from index.planner import QueryPlan
from index.progress import Progress
from index.ranker import STRONG_SHARE
from index.ranking import Ranking
from index.store_seam import ArticleStore
from index.stored_doc import StoredDoc
from storage.breaker import Breaker

from .opensearch_load import Checkpoints, indexed_docnos, remove, send
from .opensearch_query import asked_for, best_of, index_body, msearch_lines, plan_query, search_body
from .opensearch_stats import ClusterStatistics, RemoteField
from .opensearch_vocab import Vocabulary

log = logging.getLogger(__name__)
# the client logs every failed attempt with a traceback; callers report a failure once
logging.getLogger("opensearch").setLevel(logging.ERROR)

DEFAULT_INDEX = "newsbot-articles"
K1 = 1.5  # BM25Params' k1
QUIET_LOAD = 10_000  # a sync of more new docnos than this pauses the periodic refresh
# a reader's search waits at most this long, and a timeout is not tried again: a node that
# does not answer (frozen, overloaded) must free the bot's thread and let the outage guard
# keep the question, not hold it for the bulk requests' timeout times their retries
SEARCH_SECONDS = 5.0
COUNT_CAP = 1_000  # matches counted up to this many: the reply says "1,000+" beyond
POOL = 10  # connections kept open to the cluster (NEWSBOT_OPENSEARCH_POOL)
RETRIES = 3  # a search failing on the cluster's side is asked again this often, after a pause
DATED = 50_000  # the days of docnos recent answers named, kept for the search that follows
# what is read of a search's answer: the rest (ids, shards, timings) is never sent
ANSWER = "responses.hits.total.value,responses.hits.hits.fields,responses.hits.hits._score,responses.error,responses.status"


class SearchUnavailable(ConnectionError):
    """OpenSearch does not answer at the configured URL."""


class SearchFailed(RuntimeError):
    """The cluster answered a search with an error (a shard with no copy left, a bad query)."""


class PlanNotServed(ValueError):
    """A plan this index cannot score as asked (another idf or length normalization)."""


def client(
    url: str,
    timeout: float,
    auth: tuple[str, str] | None = None,
    ca: str | None = None,
    retries: int = 2,
    retry_on_timeout: bool = True,
    pool: int = POOL,
) -> OpenSearch:
    """A client of the cluster at url: basic auth and a CA file for a secured cluster.

    pool: connections kept open, at least as many as threads sending requests at once
    (a bulk load's, a bot's searches): beyond it urllib3 opens and discards connections.
    """
    secure = {"verify_certs": True, "ca_certs": ca} if ca else {}
    return OpenSearch(
        url.split(","),  # several nodes: a request that finds one down goes to the next
        timeout=timeout,
        pool_maxsize=pool,
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
        pool: int = POOL,
        progress: TextIO | None = None,
    ):
        self.url = url
        self.progress = progress  # a bar for a big load (`newsbot index`), None: silent
        self.index = index
        self.shards, self.replicas = shards, replicas
        # Lucene fixes b per field in the mapping: the default ranking's, as the bot uses it
        self.b = Ranking().b if b is None else b
        self.client = client(url, timeout, auth, ca, pool=pool)  # the module's, not self.client
        # searches: a connection that broke is tried again, a node that does not answer is not
        self.searcher = client(url, min(timeout, SEARCH_SECONDS), auth, ca, 1, False, pool)
        # once the node is found not answering, searches fail at once until a ping answers:
        # each one sent meanwhile would wait in the node, and delay the first answers after
        self.breaker = Breaker(
            f"OpenSearch {url}",
            lambda: ping(url, index, 2.0, auth, ca),
            lost=lambda error: isinstance(error, TransportError),
            doubtful=(ConnectionTimeout,),  # maybe only busy: the ping decides
            error=SearchUnavailable,
        )
        self.count_cap = COUNT_CAP  # SearchIndex marks a total this high as capped
        self.exact_asked = 0  # searches asked again in the embedded order (ties past the rows)
        # a question's counts are part of its search: the searcher's timeout
        self.stats = ClusterStatistics(self.searcher, index, guard=self.breaker)
        self._days: OrderedDict[int, int] = OrderedDict()
        self._days_lock = threading.Lock()
        self._seen: tuple | None = None  # the index's (seq, docno) the cached counts reflect
        self._shards: int | None = None

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
        self.stats.forget_layout()
        self._shards = None
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
        self._follow(meta)
        # read the marks first: whatever is written meanwhile is sent now or next time
        seq, docno = store.seq(), store.max_docno()
        if seq == meta.get("seq") and docno == meta.get("docno"):
            return 0
        # removals first: an edit retires one docno and adds another
        gone = [d.docno for d in store.retired_docs(after_seq=int(meta.get("seq", 0)))]
        changes = remove(self.client, self.index, gone)
        start = int(meta.get("docno", 0))
        bulk = docno - start > QUIET_LOAD
        if bulk:  # a big load writes segments without refreshing readers every second
            self._set_meta(paused=True)  # a load killed meanwhile leaves the next sync to undo it
            self._refresh_every("-1")
        bar = None
        if self.progress is not None and docno > start:
            bar = Progress(docno - start, "articles", self.progress, label="OpenSearch ")
        words = Vocabulary(meta, start)
        record = Checkpoints(
            docno, lambda upto: self._set_meta(docno=upto, **words.checkpoint(upto)), bar
        )
        docs = words.watch(store.live_docs(after_docno=start))
        changes += send(self.client, self.index, docs, lambda d: (words.confirmed(d), record(d)))
        if bar is not None:
            bar.close()
        if bulk or meta.get("paused"):
            self._refresh_every(None)  # back to the default
        self.client.indices.refresh(index=self.index)
        counted = words.counted(ClusterStatistics(self.client, self.index), docno)
        self._set_meta(seq=seq, docno=docno, paused=False, **counted)
        self._follow({"seq": seq, "docno": docno})
        # up to the mark only: another process may be writing past it right now
        live = sum(1 for d, _ in store.live_dates() if d <= docno)
        upto = {"query": {"range": {"docno": {"lte": docno}}}}
        if self.client.count(index=self.index, body=upto)["count"] != live:
            # a compaction forgot retired rows this index never heard of: compare all docnos
            changes += self.reconcile(store)
        return changes

    def _follow(self, meta: dict) -> None:
        """Empty the counts' cache when the index changed since they were read."""
        mark = (meta.get("seq"), meta.get("docno"))
        if mark != self._seen:
            self.stats.clear()
            self._seen = mark

    def _refresh_every(self, interval: str | None) -> None:
        body = {"index": {"refresh_interval": interval}}
        self.client.indices.put_settings(index=self.index, body=body)

    def load(self, docs: Iterable[StoredDoc], refresh: bool = False) -> int:
        """Index analysed documents under their docnos (one already there stays)."""
        sent = send(self.client, self.index, docs)
        if refresh:
            self.client.indices.refresh(index=self.index)
        return sent

    def purge(self, store: ArticleStore) -> int:
        """Forget the store's retired rows this index has taken out (the last sync's); count them."""
        meta = self._meta() or {}  # what the index holds, whichever process synced it
        if meta.get("database") != store.database_id():
            return 0
        # the newest row stays: a shared store reads its last docno given from the rows
        below = min(int(meta["docno"]) + 1, store.max_docno())
        return store.purge_retired(below, int(meta["seq"]), everywhere=True)

    def reconcile(self, store: ArticleStore) -> int:
        """Make the index hold exactly the store's live articles; count the changes."""
        live = {docno for docno, _ in store.live_dates()}
        indexed = set(indexed_docnos(self.client, self.index))
        extra = sorted(indexed - live)
        missing = sorted(live - indexed)
        log.warning(
            "OpenSearch index %s: %d stale and %d missing documents, mended",
            self.index,
            len(extra),
            len(missing),
        )
        changes = remove(self.client, self.index, extra)
        wanted = set(missing)
        changes += self.load(d for d in store.live_docs() if d.docno in wanted)
        self.client.indices.refresh(index=self.index)
        self.stats.clear()
        return changes

    # ---- the planner's statistics (index/firststage.StatisticsStage) -------------------

    def statistics(self) -> Mapping[str, RemoteField]:
        """Each field's counts, read from the cluster (opensearch_stats.py)."""
        return self.stats

    def prefetch(self, wanted: Iterable[tuple[str, str]]) -> None:
        """Counts about to be read: fetched together on the first read."""
        self.stats.prefetch(wanted)

    def dates(self, docnos: Iterable[int]) -> dict[int, int]:
        """Day numbers of docnos the latest answers named (their sort values)."""
        with self._days_lock:
            return {d: self._days[d] for d in docnos if d in self._days}

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
        if prefer is None or k <= 0:
            return self._search([query], k)[0]
        # one round trip: the period's best come with the whole list, the floor applied here
        found, inside = self._search([query, plan_query(plan, date_range, docs, prefer)], k)
        docnos, scores, total = found
        if len(scores):
            # the good matches of the period asked for come first (Ranker.top)
            keep = inside[1] >= STRONG_SHARE * float(scores[0])
            inside = (inside[0][keep], inside[1][keep], 0)
            if len(inside[0]):
                seen = set(inside[0].tolist())
                rest = [i for i, d in enumerate(docnos.tolist()) if d not in seen]
                docnos = np.concatenate([inside[0], docnos[rest]])[:k]
                scores = np.concatenate([inside[1], scores[rest]])[:k]
        return docnos, scores, total

    def _search(self, queries: list[dict], k: int) -> list[tuple[np.ndarray, np.ndarray, int]]:
        """The k best of each query: docnos, scores, and how many matched (one round trip).

        Sorted by score alone (Lucene skips what cannot enter the top), ties put in the
        embedded order here; a query whose k-th ties may go on past what came is asked
        again sorted by the node in that order (exact, slower).
        """
        asked, shards = asked_for(k), self._shard_count()
        bodies = [search_body(q, asked, self.count_cap) for q in queries]
        answers = self._msearch(msearch_lines(self.index, shards, bodies))
        found = [best_of(a, k, asked) for a in answers]
        unsure = [i for i, (_, sure) in enumerate(found) if not sure]
        if unsure:
            self.exact_asked += len(unsure)
            bodies = [search_body(queries[i], k, self.count_cap, exact=True) for i in unsure]
            again = self._msearch(msearch_lines(self.index, shards, bodies))
            for i, answer in zip(unsure, again, strict=True):
                found[i], answers[i] = best_of(answer, k, None), answer
        out = []
        for (best, _), answer in zip(found, answers, strict=True):
            self._remember(best)
            docnos = np.array([d for _, _, d in best], np.int64)
            scores = np.array([s for s, _, _ in best], np.float64)
            out.append((docnos, scores, int(answer["hits"]["total"]["value"])))
        return out

    def _msearch(self, lines: list[dict]) -> list[dict]:
        """The answers of a multi-search; asked again while a lost node's shards move over."""
        attempt = 0
        while True:
            self.breaker.check()
            try:
                answers = self.searcher.msearch(body=lines, filter_path=ANSWER)["responses"]
            except Exception as error:
                self.breaker.trip(error)
                raise
            failed = [a for a in answers if "error" in a]
            if not failed:
                return answers
            if attempt == RETRIES or any(a.get("status", 500) < 500 for a in failed):
                raise SearchFailed(f"OpenSearch could not answer a search: {failed[0]['error']}")
            attempt += 1
            time.sleep(0.25 * attempt)

    def _remember(self, rows: list[tuple[float, int, int]]) -> None:
        with self._days_lock:
            for _, day, docno in rows:
                self._days[docno] = day
                self._days.move_to_end(docno)
            while len(self._days) > DATED:
                self._days.popitem(last=False)

    def _shard_count(self) -> int:
        if self._shards is None:
            settings = self.client.indices.get_settings(index=self.index)
            self._shards = int(
                next(iter(settings.values()))["settings"]["index"]["number_of_shards"]
            )
        return self._shards
