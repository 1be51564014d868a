"""The body field's vocabulary size, counted as a sync sends documents: `newsbot stats`' terms.

No API of the cluster returns how many distinct terms a field holds (Lucene's terms
dictionary is read only term by term), so the loader counts them and records the figure in
the index's mapping: onto an empty index, the distinct body terms of every document it sent
(recorded at each checkpoint too, so a killed load resumes with its count); onto a loaded
one, the sent terms the cluster now counts in no other document (a document frequency equal
to the number of sent documents holding the term). A removed article's last terms stay
counted, as Lucene keeps them in its dictionary until a merge; a load killed midway may miss
the terms of the documents in flight then (at most two bulk requests').
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Iterator, Mapping

from index.fields import BODY
from index.stored_doc import StoredDoc

from .opensearch_stats import ClusterStatistics

__all__ = ["Vocabulary"]


class Vocabulary:
    """The body terms of the documents one sync sends, and the count they make."""

    def __init__(self, meta: Mapping, start: int):
        base, upto = meta.get("terms"), meta.get("terms_docno")
        # the recorded count covers every docno up to start, or no count can be made
        self.known = start == 0 or (base is not None and upto == start)
        self.base = int(base or 0) if start else 0
        self.fresh = start == 0  # an empty index: every distinct term sent is a new one
        self.seen: set[str] = set()  # an empty index's: the terms sent
        self.held: Counter[str] = Counter()  # otherwise: how many sent documents hold each
        self._flight: dict[int, set[str]] = {}  # sent, not yet confirmed by the cluster

    def watch(self, docs: Iterable[StoredDoc]) -> Iterator[StoredDoc]:
        """docs, their terms noted as they go out."""
        for d in docs:
            if self.known:
                self._flight[d.docno] = {*d.title_terms, *d.body_terms}  # the body field's
            yield d

    def confirmed(self, docno: int) -> None:
        """The cluster has docno: its terms count."""
        terms = self._flight.pop(docno, ())
        if self.fresh:
            self.seen.update(terms)
        else:
            self.held.update(terms)

    def checkpoint(self, docno: int) -> dict:
        """What the mapping records with a checkpoint at docno (nothing when unknown yet)."""
        if not (self.known and self.fresh):
            return {}  # onto a loaded index the count needs the cluster's answers: at the end
        return {"terms": len(self.seen), "terms_docno": docno}

    def counted(self, cluster: ClusterStatistics, docno: int) -> dict:
        """What the mapping records once the sync is done (the index refreshed): nothing
        when the terms were never counted (an index loaded by an older newsbot)."""
        if not self.known:
            return {}
        if self.fresh:
            return {"terms": len(self.seen), "terms_docno": docno}
        df = cluster.frequencies(BODY.name, list(self.held))
        new = sum(1 for t, n in self.held.items() if df.get(t, 0) == n)
        return {"terms": self.base + new, "terms_docno": docno}
