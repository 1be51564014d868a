"""The sign bits' first pass over the leads: the same nearest leads as the int8 scan."""

import numpy as np

from index.embedding import DIM
from index.lead_bits import EXACT_BELOW, LeadBits
from index.semantic import SemanticStage
from index.vectors import LEAD, VectorFiles


def e5_like(rng, n, common):
    """Unit vectors sharing a large common component, as e5's do."""
    v = 0.8 * common + 0.6 * rng.standard_normal((n, DIM)).astype(np.float32) / np.sqrt(DIM)
    return (v / np.linalg.norm(v, axis=1, keepdims=True)).astype(np.float32)


def stage_with_leads(tmp_path, vectors):
    files = VectorFiles(tmp_path / "vectors")
    docnos = np.arange(1, len(vectors) + 1)
    rows = np.stack([docnos, np.zeros_like(docnos)], axis=1)
    files.append(rows, vectors, [(int(d), LEAD) for d in docnos])
    return SemanticStage(None, files.dir)


def exact_nearest(stage, query, k, allowed):
    v = stage.vectors
    cos = v.all_leads(query)
    cos[~allowed[v.docnos[: v.n_leads]]] = -np.inf
    return v.docnos[np.argsort(-cos, kind="stable")[:k]]


def test_the_bits_find_the_exact_scans_nearest_leads(tmp_path):
    rng = np.random.default_rng(3)
    common = rng.standard_normal(DIM).astype(np.float32)
    common /= np.linalg.norm(common)
    leads = e5_like(rng, EXACT_BELOW + 5000, common)
    targets = rng.choice(len(leads), 20, replace=False)
    for t in targets:  # a few leads close to each target, as articles on one subject are
        near = leads[t] + 0.3 * rng.standard_normal((6, DIM)).astype(np.float32) / np.sqrt(DIM)
        leads[t + 1 : t + 7] = near / np.linalg.norm(near, axis=1, keepdims=True)
    stage = stage_with_leads(tmp_path, leads)
    assert stage._bits is not None  # enough leads for the first pass
    allowed = np.ones(len(leads) + 1, bool)
    allowed[0] = False
    for t in targets:
        query = leads[t] + 0.5 * rng.standard_normal(DIM).astype(np.float32) / np.sqrt(DIM)
        query /= np.linalg.norm(query)
        got = stage.nearest(query, 7, allowed)  # the target and its six: what is near at all
        assert list(got) == list(exact_nearest(stage, query, 7, allowed))
        assert set(got) == set(range(t + 1, t + 8))


def test_the_bits_never_return_a_lead_not_allowed(tmp_path):
    rng = np.random.default_rng(4)
    common = rng.standard_normal(DIM).astype(np.float32)
    common /= np.linalg.norm(common)
    leads = e5_like(rng, EXACT_BELOW + 100, common)
    stage = stage_with_leads(tmp_path, leads)
    allowed = np.zeros(len(leads) + 1, bool)
    allowed[1::3] = True  # every third article (a date range, an outlet)
    query = leads[0]  # docno 1's own lead is allowed; docno 2's (leads[1]) is not
    got = stage.nearest(query, 10, allowed)
    assert got[0] == 1 and allowed[got].all() and len(got) == 10


def test_the_shortlist_holds_every_lead_as_close_as_its_farthest():
    rng = np.random.default_rng(5)
    common = rng.standard_normal(DIM).astype(np.float32)
    leads = e5_like(rng, 30_000, common / np.linalg.norm(common))
    from index.vectors import Vectors, quantise

    codes, scales = quantise(leads)
    docnos = np.arange(len(leads))
    v = Vectors(
        codes, scales, docnos, np.zeros_like(docnos), np.zeros((0, 2), np.int64), len(leads)
    )
    bits = LeadBits(v)
    ok = np.ones(len(leads), bool)
    rows = bits.shortlist(leads[7], ok)
    q = np.packbits(leads[7] > bits.centre).view(np.uint64)
    distance = np.bitwise_count(bits.bits ^ q[:, None]).sum(0)
    assert 7 in rows and len(rows) >= 2048
    assert distance[rows].max() < np.delete(distance, rows).min()  # no closer lead left out
