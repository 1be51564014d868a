"""best() prunes postings, yet ranks exactly as a scan of every posting does."""

import datetime as dt
import random

import numpy as np

from index import ranker
from index.models import Article
from index.planner import QueryPlan
from index.search import SearchIndex

COMMON = ["của", "các", "và", "là", "có", "được", "cho", "những"]
WORDS = [
    "giá vàng", "bão lũ", "bóng đá", "xăng dầu", "học sinh", "chứng khoán", "du lịch",
    "Hà Nội", "miền Trung", "tăng mạnh", "giảm sâu", "thời tiết", "mưa lớn", "giao thông",
    "bệnh viện", "nông dân", "lúa gạo", "thị trường", "ngân hàng", "lãi suất", "nhà đất",
]  # fmt: skip


def text(rng: random.Random, n: int) -> str:
    """A skewed vocabulary: COMMON syllables in nearly every article, a few topics each."""
    topics = rng.sample(WORDS, 3)
    out = []
    for _ in range(n):
        out.append(rng.choice(COMMON) if rng.random() < 0.6 else rng.choice(topics))
    return " ".join(out)


def test_best_ranks_as_the_full_scan_on_random_queries(tmp_path):
    rng = random.Random(3)
    day = dt.date(2024, 1, 1)
    articles = []
    for i in range(700):
        title, body = text(rng, rng.randint(3, 8)), text(rng, rng.randint(10, 60))
        articles.append(
            Article(f"a{i}", title, body, published=day + dt.timedelta(days=rng.randint(0, 3)))
        )
    # copies score alike: ties are broken by date, then docno, in both
    articles += [Article(f"c{i}", articles[i].title, articles[i].body) for i in range(0, 700, 50)]
    idx = SearchIndex.open(tmp_path)
    idx.add(articles[:600])
    idx.compact()  # the rest stays in the delta beside the segment
    idx.add(articles[600:])
    queries = ["của các", "các của và", "giá vàng của các", "cua cac gia vang", "là có được"]
    for _ in range(150):
        words = [rng.choice(COMMON + WORDS) for _ in range(rng.randint(1, 5))]
        queries.append(" ".join(words))
    pruned = pruned_too = 0
    for query, exact in [(q, False) for q in queries] + [(q, True) for q in queries[:40]]:
        plan = idx.plan(query, exact=exact)  # the exact mode defers common words too
        for k in (1, 5, 10, 30):
            fast, fast_scores, fast_total = idx.best(plan, k)
            answers = idx.ranker.answers()  # (counted from the pruned scores, when asked)
            scores, matched = idx.ranked(plan)
            full, full_total = idx.top(scores.copy(), k, matched=matched)
            assert list(fast) == list(full), (query, k)
            np.testing.assert_allclose(fast_scores, scores[full], rtol=1e-9)
            assert fast_total == full_total, (query, k)
            assert answers == idx.ranker.answers(), (query, k)  # the scan's answer set
            pruned += idx.ranker.last_pruned
            # search() passes its filters, unset, as None: the same answer, pruned as often
            again = idx.best(plan, k, date_range=None, prefer=None)
            assert list(again[0]) == list(fast) and again[2] == fast_total
            pruned_too += idx.ranker.last_pruned
    assert pruned > len(queries)  # the pruned path answered many of them
    assert pruned_too == pruned


def test_when_too_many_outsiders_are_in_reach_the_deferred_terms_are_added_to_all(
    tmp_path, monkeypatch
):
    rng = random.Random(4)
    articles = [
        Article(f"a{i}", text(rng, rng.randint(3, 8)), text(rng, rng.randint(10, 60)))
        for i in range(500)
    ]
    idx = SearchIndex.open(tmp_path)
    idx.add(articles)
    idx.compact()
    monkeypatch.setattr(ranker, "MAX_DOUBT", 0)  # every outsider in reach is one too many
    completed = 0
    for n in range(80):
        words = [rng.choice(COMMON + WORDS) for _ in range(rng.randint(2, 5))]
        plan = idx.plan(" ".join(words), exact=n % 4 == 0)
        fast, fast_scores, fast_total = idx.best(plan, 10)
        answers = idx.ranker.answers()
        # deferred terms, yet not pruned: added to every docno's score
        completed += bool(idx.ranker.deferred(plan)) and not idx.ranker.last_pruned
        scores, matched = idx.ranked(plan)
        full, full_total = idx.top(scores.copy(), 10, matched=matched)
        assert list(fast) == list(full), words
        np.testing.assert_allclose(fast_scores, scores[full], rtol=1e-9)
        assert fast_total == full_total
        assert answers == idx.ranker.answers()
    assert completed > 5


def test_outsiders_a_common_syllable_could_lift_are_checked_by_their_blocks(tmp_path):
    # 400 articles of one length match "giá vàng" alike, so the 200 leaders by the other
    # syllables cannot tell which ones "của" lifts most; it is in 62% of the articles, a
    # few times in the first 400 and many times in the last: their blocks' bounds differ
    rng = random.Random(5)
    articles = []
    for i in range(800):
        common = rng.choice([0, 0, 1, 2] if i < 400 else [0, 8, 10, 12])
        words = ["của"] * common + (["giá", "vàng"] if i % 2 else [])
        words += [f"x{rng.choice('bcdghklmnpqrstvx')}" for _ in range(16 - len(words))]
        articles.append(Article(f"a{i}", "tin", " ".join(words)))
    idx = SearchIndex.open(tmp_path)
    idx.add(articles)
    idx.compact()
    doubted = []
    for words in (("giá",), ("vàng", "giá")):
        # the default ranking's form: words, and the syllables at 0.6 ("của" deferred)
        parts = (("body", words, 1.0), ("syl", ("cua", "gia", "vang"), 0.6))
        plan = QueryPlan(parts, words, False, lucene=True, b=1.0)
        for k in (1, 10, 30):
            fast, fast_scores, fast_total = idx.best(plan, k)
            scores, matched = idx.ranked(plan)
            full, full_total = idx.top(scores.copy(), k, matched=matched)
            assert list(fast) == list(full), (words, k)
            np.testing.assert_allclose(fast_scores, scores[full], rtol=1e-9)
            assert fast_total == full_total
            assert idx.ranker.last_pruned
            doubted.append(idx.ranker.last_doubt)
    # outsiders were in reach, and the blocks' bounds let most of them go unscored
    assert all(kept < within for within, kept in doubted), doubted


def assert_top_is_exact(index, scores, matched, rng, case) -> None:
    """top() is the lexsort of every match (score, then date, then docno) for several k."""
    n = len(scores)
    index.ranker._grow(n)
    index.ranker._dates[:n] = rng.integers(18_000, 18_010, n)
    for k in (1, 10, 200, 1000):
        got, total = index.top(scores, k, matched=matched)
        cand = np.flatnonzero(matched)
        want = cand[np.lexsort((-cand, -index.ranker._dates[cand], -scores[cand]))][:k]
        assert total == len(cand)
        assert got.tolist() == want.tolist(), (case, k)


def test_top_among_a_million_candidates_is_the_exact_top_with_ties(embedded_index):
    # the Ranker's own top (an index on OpenSearch holds no Ranker arrays to fill)
    index = embedded_index
    rng = np.random.default_rng(9)
    n = 300_000
    for trial in range(6):
        # few distinct scores: ties at the k-th, broken by date then docno
        scores = np.round(rng.gamma(2.0, 1.0, n), 1 + trial % 3)
        matched = rng.random(n) < (0.9 if trial % 2 else 0.2)
        assert_top_is_exact(index, scores, matched, rng, trial)


def test_top_when_the_sampled_bar_is_a_score_most_articles_share(embedded_index):
    # most matches score 0 (they hold only a deferred common word): the sample's bar is 0,
    # and the k best are the few above it, or all of them and the newest zeros after
    index = embedded_index
    rng = np.random.default_rng(11)
    n = 300_000
    for positive in (0, 5, 200, 201, 3000):
        scores = np.zeros(n)
        some = rng.choice(n, positive, replace=False)
        scores[some] = np.round(rng.gamma(2.0, 1.0, positive), 1)  # ties among them too
        matched = rng.random(n) < 0.8
        matched[some] = True
        assert_top_is_exact(index, scores, matched, rng, positive)
