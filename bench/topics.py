"""Topic benchmark: phrase accuracy of the matches, and matching time against a baseline.

    .venv/bin/python bench/topics.py                 # 1,000 phrase topics x 5,000 articles,
                                                     # then 10,000 topics x 500 articles
    .venv/bin/python bench/topics.py --baseline e0c1d35   # the code to compare with

Articles come from ../shared/corpus/news.jsonl.gz (never copied into the repo).

1. Accuracy. 1,000 topics (seeded) are made of phrases of the first 5,000 articles: one to
   three alternatives of 2-4 neighbouring syllables of a sentence, some typed without
   diacritics, some as two quoted phrases, some with an excluded phrase or an outlet. The
   next 5,000 articles are matched through TopicIndex, and every match is checked by a
   separate reading of the rules (a regular expression per typed phrase over the raw
   sentence): each required phrase stands contiguously, with the accents typed, in one
   sentence, and no excluded phrase does. It prints the share of matches that hold.
2. Time. 10,000 topics made as the baseline's benchmark made them (title words), 500 new
   articles; the baseline's TopicIndex (index/topics.py at --baseline, loaded from git, on
   pyvi terms as it stored them) and today's, on the same topic texts and articles.
"""

from __future__ import annotations

import argparse
import gzip
import importlib.util
import json
import random
import re
import statistics
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine  # noqa: E402
from index.normalize import fold, normalize  # noqa: E402
from index.outlets import outlet_keys, source_key  # noqa: E402
from index.topics import ArticleText, TopicError, TopicIndex, parse_topic  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
STOP_WORDS = 150
_SYLLABLE = re.compile(r"[^\W_]+")
_SENTENCE = re.compile(r"(?<=[.!?…])[\"”’')\]]*\s+|\n+")


def read(limit: int) -> list[dict]:
    """The first limit records of the corpus."""
    records = []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            if len(records) >= limit:
                break
            records.append(json.loads(line))
    return records


def ms(values: list[float]) -> str:
    return (
        f"median {statistics.median(values) * 1e3:7.3f} ms"
        f"   p90 {np.percentile(values, 90) * 1e3:7.3f} ms"
    )


# ---- 1. accuracy ---------------------------------------------------------------------------


def phrase_topics(records: list[dict], n: int, seed: int) -> list[str]:
    """n topic texts made of phrases of the records' sentences."""
    rng = random.Random(seed)
    counts = Counter(
        s for r in records[:2000] for s in set(_SYLLABLE.findall((r["title"] + r["body"]).lower()))
    )
    common = {w for w, _ in counts.most_common(500)}
    sources = sorted({r.get("source") or "" for r in records} - {""})

    def phrase() -> str:
        while True:
            r = rng.choice(records)
            sentences = [s for s in _SENTENCE.split(r["title"] + "\n" + r["body"]) if s.strip()]
            sylls = _SYLLABLE.findall(rng.choice(sentences))
            size = rng.choice((2, 2, 3, 3, 4))
            if len(sylls) < size:
                continue
            start = rng.randrange(len(sylls) - size + 1)
            words = sylls[start : start + size]
            rare = [w for w in words if w.lower() not in common and len(w) > 1 and w.isalpha()]
            if 2 * len(rare) < len(words):
                continue  # "của các" or "C với" is nobody's topic
            return " ".join(words)

    texts: list[str] = []
    while len(texts) < n:
        alternatives = []
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            if rng.random() < 0.1:
                alternatives.append(f'"{phrase()}" "{phrase()}"')
            else:
                alternatives.append(phrase())
        text = ", ".join(alternatives)
        if rng.random() < 0.1:
            text += " -" + phrase()
        if rng.random() < 0.2:
            text = fold(text)  # typed without diacritics
        if rng.random() < 0.05:
            text += " nguồn:" + rng.choice(sources).split(".")[0]
        try:
            parse_topic(text)
        except TopicError:
            continue
        texts.append(text)
    return texts


def phrase_pattern(text: str, folded: bool) -> re.Pattern[str]:
    """The typed phrase as a regex over normalized text: its syllables, only non-letters between."""
    sylls = _SYLLABLE.findall(fold(normalize(text)) if folded else normalize(text))
    return re.compile(r"(?<![^\W_])" + r"[\W_]+".join(map(re.escape, sylls)) + r"(?![^\W_])")


def holds(topic, title: str, body: str, source: str | None) -> bool:
    """Whether a match obeys the rules, read again from the raw text."""
    sentences = [normalize(s) for part in (title, body) for s in _SENTENCE.split(part) if s]
    folded = [fold(s) for s in sentences]

    def stands(p) -> bool:
        pattern = phrase_pattern(p.text, p.folded)
        return any(pattern.search(s) for s in (folded if p.folded else sentences))

    def has(clause) -> bool:
        return all(stands(p) for p in clause.phrases)

    if topic.sources and not {source_key(s) for s in topic.sources} & outlet_keys(source):
        return False
    return any(has(c) for c in topic.alternatives) and not any(has(c) for c in topic.exclusions)


def accuracy(records: list[dict], args: argparse.Namespace) -> None:
    pool, new = records[: args.titles], records[args.titles : args.titles + args.articles]
    t0 = time.perf_counter()
    texts = phrase_topics(pool, args.phrase_topics, args.seed)
    topics = [parse_topic(t) for t in texts]
    index: TopicIndex[int] = TopicIndex()
    for key, topic in enumerate(topics):
        index.add(key, topic)
    print(
        f"1. {len(topics):,} phrase topics (e.g. {texts[0]!r}, {texts[1]!r}) parsed and filed"
        f" in {time.perf_counter() - t0:.2f} s"
    )
    prepare, matching, matches, good, agree = [], [], 0, 0, 0
    per_article = []
    for r in new:
        t0 = time.perf_counter()
        article = ArticleText.of(r["title"], r["body"], r.get("source"))
        t1 = time.perf_counter()
        found = index.match(article)
        t2 = time.perf_counter()
        prepare.append(t1 - t0)
        matching.append(t2 - t1)
        agree += found == index.match_each(article)
        per_article.append(len(found))
        for key in found:
            matches += 1
            good += holds(topics[key], r["title"], r["body"], r.get("source"))
    hit = sum(1 for x in per_article if x)
    print(f"   {len(new):,} articles: {matches:,} matches, {hit:,} articles matched at least once")
    print(f"   TopicIndex agrees with testing every topic on {agree:,} of {len(new):,} articles")
    share = good / matches if matches else 1.0
    print(
        f"   matches where every required phrase stands contiguously, accents as typed, in one"
        f" sentence (and no excluded phrase, the outlet named): {good:,} / {matches:,}"
        f" = {share:.1%}"
    )
    print(f"   article text (once per article)   {ms(prepare)}")
    print(f"   TopicIndex.match, 1,000 topics    {ms(matching)}")


# ---- 2. time against the baseline ----------------------------------------------------------


def load_baseline(rev: str):
    """index/topics.py as it was at rev, importable beside today's."""
    source = subprocess.run(
        ["git", "-C", str(ROOT), "show", f"{rev}:index/topics.py"],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    spec = importlib.util.spec_from_loader("index._baseline_topics", loader=None)
    module = importlib.util.module_from_spec(spec)
    module.__package__ = "index"
    sys.modules[spec.name] = module
    exec(compile(source, f"{rev}:index/topics.py", "exec"), module.__dict__)  # noqa: S102
    return module


def title_topics(titles: list[list[str]], n: int, seed: int) -> list[str]:
    """The baseline benchmark's topic texts: neighbouring words of analyzed titles."""
    rng = random.Random(seed)
    counts = Counter(w for t in titles for w in set(t))
    common = {w for w, _ in counts.most_common(STOP_WORDS)}
    titles = [[w for w in t if w not in common and not w.isdigit()] for t in titles]
    titles = [t for t in titles if t]

    def words() -> str:
        title = rng.choice(titles)
        size = min(len(title), rng.choice((1, 1, 2, 2, 3)))
        start = rng.randrange(len(title) - size + 1)
        return " ".join(w.replace("_", " ") for w in title[start : start + size])

    texts = []
    while len(texts) < n:
        text = ", ".join(words() for _ in range(rng.choice((1, 1, 1, 2, 2, 3))))
        if rng.random() < 0.15:
            text += " -" + rng.choice(rng.choice(titles)).replace("_", " ")
        if rng.random() < 0.2:
            text = fold(text)
        texts.append(text)
    return texts


def timing(records: list[dict], args: argparse.Namespace) -> None:
    from index.analysis import Analyzer

    base = load_baseline(args.baseline)
    analyzer = Analyzer()
    t0 = time.perf_counter()
    title_terms = [analyzer.terms(r["title"]) for r in records[: args.titles]]
    new = records[args.titles : args.titles + args.timed_articles]
    analyzed = analyzer.analyze_many([(r["title"], r["body"]) for r in new])
    print(
        f"\n2. analyzed {args.titles:,} titles and {len(new):,} articles with pyvi (for the"
        f" baseline) in {time.perf_counter() - t0:.1f} s"
    )
    texts = title_topics(title_terms, args.topics, args.seed)
    old_index, new_index = base.TopicIndex(), TopicIndex()
    for key, text in enumerate(texts):
        try:
            old_topic = base.parse_topic(text, analyzer)
            new_topic = parse_topic(text)
        except (TopicError, base.TopicError):
            continue
        old_index.add(key, old_topic)
        new_index.add(key, new_topic)
    print(f"   {len(new_index):,} topics, filed in both indexes")
    old_t, old_prep, new_t, new_prep, old_found, new_found = [], [], [], [], 0, 0
    for r, (title, body) in zip(new, analyzed, strict=True):
        t = time.perf_counter()
        old_article = base.ArticleTerms.of(title, body)
        old_prep.append(time.perf_counter() - t)
        t0 = time.perf_counter()
        found = old_index.match(old_article)
        t1 = time.perf_counter()
        article = ArticleText.of(r["title"], r["body"], r.get("source"))
        t2 = time.perf_counter()
        mine = new_index.match(article)
        t3 = time.perf_counter()
        old_t.append(t1 - t0)
        new_prep.append(t2 - t1)
        new_t.append(t3 - t2)
        old_found += len(found)
        new_found += len(mine)
    ratio = statistics.median(new_t) / statistics.median(old_t)
    print(f"   one article against {len(new_index):,} topics ({len(new):,} articles):")
    print(f"   baseline {args.baseline} TopicIndex.match  {ms(old_t)}")
    print(f"   today's TopicIndex.match           {ms(new_t)}   ({ratio:.2f}x the baseline)")
    print(f"   baseline article units (once)      {ms(old_prep)}   (after pyvi, not counted)")
    print(f"   today's article text (once)        {ms(new_prep)}   (no pyvi needed)")
    both_old = statistics.median([a + b for a, b in zip(old_t, old_prep, strict=True)])
    both_new = statistics.median([a + b for a, b in zip(new_t, new_prep, strict=True)])
    print(
        f"   per article, preparing and matching: baseline {both_old * 1e3:.3f} ms,"
        f" today {both_new * 1e3:.3f} ms ({both_new / both_old:.2f}x)"
    )
    print(
        f"   matches per article: baseline {old_found / len(new):.1f} (any syllables anywhere),"
        f" today {new_found / len(new):.1f} (phrases)"
    )


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--phrase-topics", type=int, default=1_000)
    p.add_argument("--articles", type=int, default=5_000)
    p.add_argument("--topics", type=int, default=10_000)
    p.add_argument("--timed-articles", type=int, default=500)
    p.add_argument("--titles", type=int, default=5_000)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--baseline", default="e0c1d35", help="git revision to compare with")
    p.add_argument("--skip-baseline", action="store_true", help="part 1 only (no pyvi)")
    args = p.parse_args()
    print_machine()
    records = read(args.titles + max(args.articles, args.timed_articles))
    accuracy(records, args)
    if not args.skip_baseline:
        timing(records, args)
    return 0


if __name__ == "__main__":
    sys.exit(main())
