"""Bulk requests of an OpenSearch index: documents in by docno, out by docno, and checkpoints.

Documents go in parallel bulk requests whose answers come back in the order they were sent
(parallel_bulk maps its batches in order), so every docno up to a confirmed one is in the
index: a load records that docno now and then, and a rerun after a kill goes on from there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence

from opensearchpy import OpenSearch, helpers

from index.fields import field_terms
from index.progress import Progress
from index.stored_doc import StoredDoc

from .opensearch_query import document

__all__ = ["BATCH", "CHECKPOINT", "LOADERS", "Checkpoints", "indexed_docnos", "remove", "send"]

BATCH = 500  # documents per bulk request
LOADERS = 2  # bulk requests in flight: the next batch is built while one is indexed
CHECKPOINT = 20_000  # a load records how far it got this often


def send(
    client: OpenSearch,
    index: str,
    docs: Iterable[StoredDoc],
    on_sent: Callable[[int], None] | None = None,
) -> int:
    """Index analysed documents under their docnos (one already there stays); count them.

    on_sent is told each docno once the cluster has it, in the order they were sent.
    """
    # a docno's document never changes (an edit retires it and adds another): one already
    # there (a rerun after a kill) is left as it is, so no deleted copy skews the counts
    actions = (
        {
            "_op_type": "create",
            "_index": index,
            "_id": str(d.docno),
            "_source": document(d.docno, field_terms(d.title_terms, d.body_terms), d.published),
        }
        for d in docs
    )
    sent = 0
    for ok, item in helpers.parallel_bulk(
        client, actions, thread_count=LOADERS, chunk_size=BATCH, raise_on_error=False
    ):
        done = item["create"]
        if not ok and done.get("status") != 409:  # 409: the index has it already
            raise RuntimeError(f"OpenSearch refused a document: {item}")
        sent += 1
        if on_sent is not None:
            on_sent(int(done["_id"]))
    return sent


def remove(client: OpenSearch, index: str, docnos: Sequence[int]) -> int:
    """Remove documents by docno; an absent one is no error (a rerun removes it again)."""
    actions = ({"_op_type": "delete", "_index": index, "_id": str(d)} for d in docnos)
    done = 0
    for ok, item in helpers.streaming_bulk(client, actions, chunk_size=BATCH, raise_on_error=False):
        if ok:
            done += 1
        elif item.get("delete", {}).get("status") != 404:
            raise RuntimeError(f"OpenSearch could not remove a document: {item}")
    return done


def indexed_docnos(client: OpenSearch, index: str) -> Iterator[int]:
    """Every docno the index holds."""
    query = {"query": {"match_all": {}}}
    for hit in helpers.scan(client, index=index, query=query, _source=False):
        yield int(hit["_id"])


class Checkpoints:
    """Each docno a load sent: counted on its bar, and every CHECKPOINT recorded (up to mark)."""

    def __init__(self, mark: int, record: Callable[[int], None], bar: Progress | None = None):
        self.mark, self.record, self.bar = mark, record, bar
        self.sent = 0

    def __call__(self, docno: int) -> None:
        self.sent += 1
        if self.bar is not None:
            self.bar.update(1)
        if self.sent % CHECKPOINT == 0:
            # past the mark are documents written during the load: the next sync's
            self.record(min(docno, self.mark))
