"""Topic matching benchmark: one new article against 10,000 topics, indexed vs one by one.

    .venv/bin/python bench/topics.py                      # 10,000 topics, 500 articles
    .venv/bin/python bench/topics.py --topics 50000 --articles 200

Topics are made (seeded) from the words of the titles of the first 5,000 articles of
../shared/corpus/news.jsonl.gz (never copied into the repo): one to three alternatives of one
to three neighbouring title words, some typed without diacritics, some with an excluded
word. The "new" articles are the next ones in the file, analyzed with pyvi as `newsbot index`
stores them. Each article is matched by TopicIndex.match (only the topics filed under a unit
of the article are verified) and by testing every topic; the two must agree.
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
import statistics
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from index.normalize import fold  # noqa: E402
from index.segment import Analyzer  # noqa: E402
from index.topics import ArticleTerms, TopicError, TopicIndex, parse_topic  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
STOP_WORDS = 150


def read(limit: int) -> list[dict]:
    """The first limit records of the corpus."""
    records = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            if len(records) >= limit:
                break
            records.append(json.loads(line))
    return records


def make_topics(titles: list[list[str]], n: int, analyzer: Analyzer, seed: int) -> list:
    """n parsed topics from neighbouring words of analyzed titles."""
    rng = random.Random(seed)
    # People follow "xăng dầu" or "Thanh Hóa", not "của" or "và": the most frequent title
    # words and numbers are left out.
    counts = Counter(w for t in titles for w in set(t))
    common = {w for w, _ in counts.most_common(STOP_WORDS)}
    titles = [[w for w in t if w not in common and not w.isdigit()] for t in titles]
    titles = [t for t in titles if t]

    def words() -> str:
        title = rng.choice(titles)
        size = min(len(title), rng.choice((1, 1, 2, 2, 3)))
        start = rng.randrange(len(title) - size + 1)
        return " ".join(w.replace("_", " ") for w in title[start : start + size])

    topics = []
    while len(topics) < n:
        text = ", ".join(words() for _ in range(rng.choice((1, 1, 1, 2, 2, 3))))
        if rng.random() < 0.15:
            text += " -" + rng.choice(rng.choice(titles)).replace("_", " ")
        if rng.random() < 0.2:
            text = fold(text)  # typed without diacritics
        try:
            topics.append(parse_topic(text, analyzer))
        except TopicError:
            continue
    return topics


def ms(values: list[float]) -> str:
    return f"median {statistics.median(values) * 1e3:7.3f} ms   p90 {np.percentile(values, 90) * 1e3:7.3f} ms"


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--topics", type=int, default=10_000)
    p.add_argument("--articles", type=int, default=500)
    p.add_argument("--titles", type=int, default=5_000)
    p.add_argument("--seed", type=int, default=1)
    args = p.parse_args()
    analyzer = Analyzer()

    t0 = time.perf_counter()
    records = read(args.titles + args.articles)
    title_terms = [analyzer.terms(r["title"]) for r in records[: args.titles]]
    new = records[args.titles :]
    analyzed = analyzer.analyze_many([(r["title"], r["body"]) for r in new])
    print(
        f"read and analyzed {args.titles:,} titles and {len(new):,} articles"
        f" in {time.perf_counter() - t0:.1f} s"
    )

    t0 = time.perf_counter()
    topics = make_topics(title_terms, args.topics, analyzer, args.seed)
    print(f"parsed {len(topics):,} topics in {time.perf_counter() - t0:.1f} s (pyvi)")
    index: TopicIndex[int] = TopicIndex()
    t0 = time.perf_counter()
    for key, topic in enumerate(topics):
        index.add(key, topic)
    print(f"filed them in a TopicIndex in {(time.perf_counter() - t0) * 1e3:.0f} ms")

    units_t, indexed_t, naive_t, calls_t, matched, candidates = [], [], [], [], [], []
    for title, body in analyzed:
        t0 = time.perf_counter()
        article = ArticleTerms.of(title, body)
        t1 = time.perf_counter()
        found = index.match(article)
        t2 = time.perf_counter()
        every = index.match_each(article)
        t3 = time.perf_counter()
        one_by_one = {key for key, topic in enumerate(topics) if topic.matches(article)}
        t4 = time.perf_counter()
        assert found == every == one_by_one, "the topic index disagrees with testing every topic"
        units_t.append(t1 - t0)
        indexed_t.append(t2 - t1)
        naive_t.append(t3 - t2)
        calls_t.append(t4 - t3)
        matched.append(len(found))
        buckets = index._buckets  # noqa: SLF001 - a benchmark may look inside
        candidates.append(sum(len(buckets[u]) for u in buckets.keys() & article.folded_units))

    ratio = statistics.median(naive_t) / statistics.median(indexed_t)
    print(f"\none new article against {len(topics):,} topics ({len(analyzed):,} articles):")
    print(f"  article units (once per article)  {ms(units_t)}")
    print(f"  TopicIndex.match                   {ms(indexed_t)}")
    print(f"  every topic, one by one (same loop) {ms(naive_t)}")
    print(f"  every topic, Topic.matches()       {ms(calls_t)}")
    print(
        f"  TopicIndex.match is {ratio:.1f}x faster than the same loop over every topic (medians);"
    )
    print("  the three give identical results")
    print(
        f"  topics matched per article: median {statistics.median(matched):.0f},"
        f" mean {statistics.mean(matched):.1f}; alternatives verified: median"
        f" {statistics.median(candidates):.0f} of {sum(len(t.alternatives) for t in topics):,}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
