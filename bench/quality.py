"""Retrieval quality: Recall@1, Recall@5 and MRR@10 of the project against plain rank-bm25.

    .venv/bin/python bench/quality.py                              # 20,000 articles, 1,000 queries
    .venv/bin/python bench/quality.py --articles 3000 --queries 200   # a quick look
    .venv/bin/python bench/quality.py --project-only --limit-forms accented,typo
    .venv/bin/python bench/quality.py --reindex      # after a change to analysis or index terms

Articles: the first --articles of ../shared/corpus/news.jsonl.gz in file order (never copied
into the repo; the first 20,000 are the 1,345 crawl_news and then baomoi articles). Queries
with known answers are built from them by the seeded procedure in bench/quality_queries.py
(shortened headlines, questions over a title's key words, phrases of the lead), each typed
in five forms: accented, no_diacritics, other_tone_style, lowercase, typo.

Two systems answer every query:
* plain: pyvi tokens of the lower-cased text (title + "\\n" + body) in rank_bm25.BM25Okapi,
  ranked by get_scores + argsort. Scoring uses an inverted index over the query words that
  gives bit-identical score arrays (checked against get_scores on a sample in every run).
* project: `project_search(index, query, k)`, i.e. SearchIndex.search over the index that
  `newsbot index` builds. A variant is any function of the same shape:
  `main(["--project-only"], project=lambda index, query, k: [...ids...])`.

The first run analyzes the articles twice with pyvi on every core (~5 min each for 20,000
on 2 busy cores): the project index goes to data/quality/n{N}/, the plain token lists to
data/quality/plain-n{N}.jsonl.gz. Later runs reuse both and take about 75 s; an index built
by other index/ code is reused with a note (pass --reindex when indexed terms changed) and
rebuilt when it no longer opens.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import hashlib
import json
import os
import random
import shlex
import shutil
import statistics
import sys
import time
from collections import Counter
from collections.abc import Callable, Sequence
from multiprocessing import Pool
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.machine import print_machine  # noqa: E402
from bench.quality_queries import FORMS, KINDS, Query, build_queries, forms  # noqa: E402
from index.ingest import ingest  # noqa: E402
from index.progress import Progress  # noqa: E402
from index.search import SearchIndex  # noqa: E402

CORPUS = ROOT.parent / "shared" / "corpus" / "news.jsonl.gz"
DATA = ROOT / "data" / "quality"
PLAIN_FORMAT = 1
K = 10  # MRR@10 needs the top 10

Article = tuple[str, str, str]  # id, title, body
Search = Callable[[SearchIndex, str, int], list[str]]


def project_search(index: SearchIndex, query: str, k: int) -> list[str]:
    """Ids of the project's k best articles for a query, best first."""
    return [hit.article.id for hit in index.search(query, k=k).hits]


# ---- articles and indexes -------------------------------------------------------------


def read_articles(n: int) -> tuple[list[Article], list[str]]:
    """The first n corpus articles as (id, title, body), and their JSON lines."""
    articles, lines = [], []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            if len(lines) >= n:
                break
            record = json.loads(line)
            articles.append((record["id"], record["title"], record["body"]))
            lines.append(line)
    return articles, lines


def code_fingerprint() -> str:
    """A hash of the index package's sources, to tell which code built an index."""
    digest = hashlib.sha256()
    for path in sorted((ROOT / "index").rglob("*.py")):
        digest.update(path.relative_to(ROOT).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()[:12]


# taken when the engine is imported: the code that indexes and searches in this run
CODE = code_fingerprint()


def project_index(n: int, lines: list[str], reindex: bool, data: Path | None = None) -> SearchIndex:
    """The project's index of the articles, built once with `newsbot index`'s pipeline."""
    data = data or DATA / f"n{n}"
    marker = data / "quality.json"
    if reindex and data.exists():
        shutil.rmtree(data)
    if marker.exists() and json.loads(marker.read_text()).get("articles") == n:
        built = json.loads(marker.read_text()).get("code")
        try:
            index = SearchIndex.open(data)
        except Exception as e:  # an index written by older code in another format
            print(f"{data} does not open with the current code ({e!r}): rebuilding", flush=True)
            shutil.rmtree(data)
        else:
            if built != CODE:
                print(
                    f"note: index/ changed since {data} was built (code {built}, now "
                    f"{CODE}); pass --reindex if the change alters indexed terms",
                    flush=True,
                )
            return index
    data.mkdir(parents=True, exist_ok=True)
    print(f"indexing {n:,} articles into {data} (once; --reindex rebuilds) ...", flush=True)
    subset = data / "corpus-subset.jsonl"
    subset.write_text("".join(lines), encoding="utf-8")
    index = SearchIndex.open(data)
    t = time.perf_counter()
    report = ingest(index, [subset])  # unchanged articles are skipped: a killed run resumes
    print(f"  {report.summary()} in {time.perf_counter() - t:,.0f} s", flush=True)
    subset.unlink()
    stamp = {"articles": n, "indexed": index.stats().articles, "code": CODE}
    marker.write_text(json.dumps(stamp) + "\n")
    return index


def _plain_doc_tokens(text: str) -> list[str]:
    from pyvi import ViTokenizer

    return ViTokenizer.tokenize(text.lower()).split()


def plain_query_tokens(query: str) -> list[str]:
    """The plain stack's query analysis: pyvi tokens of the lower-cased text."""
    return _plain_doc_tokens(query)


def plain_tokens(articles: list[Article], cache: Path | None = None) -> list[list[str]]:
    """pyvi tokens of every lower-cased title + body, cached in data/quality/."""
    n = len(articles)
    cache = cache or DATA / f"plain-n{n}.jsonl.gz"
    ids = [a[0] for a in articles]
    if cache.exists():
        with gzip.open(cache, "rt", encoding="utf-8") as f:
            header = json.loads(f.readline())
            rows = [json.loads(line) for line in f]
        if header == {"format": PLAIN_FORMAT, "articles": n} and [r[0] for r in rows] == ids:
            return [r[1] for r in rows]
    texts = [title + "\n" + body for _, title, body in articles]
    progress = Progress(n, "articles", label="plain stack: pyvi ")
    out: list[list[str]] = []
    with Pool(os.cpu_count() or 1) as pool:
        for tokens in pool.imap(_plain_doc_tokens, texts, chunksize=16):
            out.append(tokens)
            progress.update(1)
    progress.close()
    cache.parent.mkdir(parents=True, exist_ok=True)
    tmp = cache.with_suffix(".tmp")
    with gzip.open(tmp, "wt", encoding="utf-8") as f:
        f.write(json.dumps({"format": PLAIN_FORMAT, "articles": n}) + "\n")
        for article_id, tokens in zip(ids, out, strict=True):
            f.write(json.dumps([article_id, tokens], ensure_ascii=False) + "\n")
    os.replace(tmp, cache)
    return out


class PlainScorer:
    """BM25Okapi.get_scores, bit for bit, from postings of the words the queries use."""

    def __init__(self, ref, vocabulary: set[str]):
        self.ref = ref
        doc_len = np.array(ref.doc_len)
        # the same expression, in the same order, as rank_bm25's get_scores
        self.norm = ref.k1 * (1 - ref.b + ref.b * doc_len / ref.avgdl)
        docs: dict[str, list[int]] = {t: [] for t in vocabulary}
        freqs: dict[str, list[int]] = {t: [] for t in vocabulary}
        for i, doc in enumerate(ref.doc_freqs):
            for t in vocabulary.intersection(doc):
                docs[t].append(i)
                freqs[t].append(doc[t])
        self.postings = {
            t: (np.array(docs[t], np.int64), np.array(freqs[t], np.int64)) for t in vocabulary
        }

    def get_scores(self, query: list[str]) -> np.ndarray:
        """Scores of every document; equal to the reference's get_scores(query)."""
        ref = self.ref
        score = np.zeros(ref.corpus_size)
        for q in query:
            # a document without q adds idf x 0.0 there, which changes no sum
            docs, tf = self.postings[q]
            idf = ref.idf.get(q) or 0
            score[docs] += idf * (tf * (ref.k1 + 1) / (tf + self.norm[docs]))
        return score


def top_k(scores: np.ndarray, k: int) -> np.ndarray:
    """rank_bm25's get_top_n order: argsort descending, ties as numpy leaves them."""
    return np.argsort(scores)[::-1][:k]


# ---- evaluation -----------------------------------------------------------------------


def rank_of(ranked: Sequence[str], answers: frozenset[str]) -> int | None:
    """1-based position of the first right answer in the top K, None if absent."""
    for i, article_id in enumerate(ranked[:K], 1):
        if article_id in answers:
            return i
    return None


def metrics(ranks: Sequence[int | None]) -> tuple[float, float, float]:
    """Recall@1, Recall@5 and MRR@10 of a list of ranks."""
    if not ranks:
        return (float("nan"),) * 3
    n = len(ranks)
    r1 = sum(r == 1 for r in ranks) / n
    r5 = sum(r is not None and r <= 5 for r in ranks) / n
    mrr = sum(1 / r for r in ranks if r is not None) / n
    return r1, r5, mrr


def run_project(
    index: SearchIndex,
    texts: dict[str, list[str]],
    queries: list[Query],
    search: Search = project_search,
) -> tuple[dict[str, list[list[str]]], list[float]]:
    """The project's top K ids per form and query, and the seconds each search took."""
    ranked: dict[str, list[list[str]]] = {f: [] for f in texts}
    seconds: list[float] = []
    progress = Progress(len(texts) * len(queries), "queries", label="project ")
    for form, form_texts in texts.items():
        for text in form_texts:
            t = time.perf_counter()
            ranked[form].append(search(index, text, K))
            seconds.append(time.perf_counter() - t)
            progress.update(1)
    progress.close()
    return ranked, seconds


def run_hybrid(
    n: int, vectors: str, texts: dict[str, list[str]], queries: list[Query], search: Search
) -> tuple[dict[str, list[list[str]]], list[float]]:
    """run_project() on the index with the encoder and every article embedded (bench/hybrid.py)."""
    from bench.hybrid import hybrid_index, leads_only

    hybrid = hybrid_index(DATA / f"n{n}", windows=vectors == "windows")
    if vectors == "leads":
        leads_only(hybrid)
    encoder = hybrid.semantic.encoder
    before = encoder.embedded_queries
    try:
        ranked, seconds = run_project(hybrid, texts, queries, search)
    finally:
        encoder.flush()  # question vectors cached: a rerun's times leave their embedding out
        hybrid.close()
    embedded = encoder.embedded_queries - before
    print(
        f"hybrid: {embedded:,} of {len(seconds):,} questions embedded in this run (their time"
        " included), the others read from the cache",
        flush=True,
    )
    return ranked, seconds


def run_plain(
    articles: list[Article], texts: dict[str, list[str]], verify: int, seed: int
) -> tuple[dict[str, list[list[str]]], list[float], str]:
    """The plain stack's top K ids per form and query, seconds per query, and the check line."""
    from rank_bm25 import BM25Okapi

    tokens = plain_tokens(articles)
    t = time.perf_counter()
    ref = BM25Okapi(tokens)
    del tokens
    built = time.perf_counter() - t
    query_tokens = {f: [plain_query_tokens(q) for q in qs] for f, qs in texts.items()}
    vocabulary = {t for qs in query_tokens.values() for q in qs for t in q}
    t = time.perf_counter()
    scorer = PlainScorer(ref, vocabulary)
    print(
        f"plain stack: BM25Okapi over {ref.corpus_size:,} articles in {built:.1f} s, postings of "
        f"{len(vocabulary):,} query words in {time.perf_counter() - t:.1f} s",
        flush=True,
    )
    # The inverted index must give rank_bm25's own scores: compare on a seeded sample.
    every = [q for qs in query_tokens.values() for q in qs]
    sample = random.Random(seed).sample(every, min(verify, len(every)))
    t = time.perf_counter()
    same = sum(np.array_equal(scorer.get_scores(q), ref.get_scores(q)) for q in sample)
    check = (
        f"plain scorer check: {same}/{len(sample)} sampled queries give score arrays identical "
        f"to rank_bm25 get_scores ({(time.perf_counter() - t) / max(len(sample), 1):.2f} s "
        "per query for both)"
    )
    if same != len(sample):
        raise SystemExit("the plain scorer differs from rank_bm25: " + check)
    ids = [a[0] for a in articles]
    ranked: dict[str, list[list[str]]] = {f: [] for f in texts}
    seconds: list[float] = []
    for form, qs in query_tokens.items():
        for q in qs:
            t = time.perf_counter()
            top = top_k(scorer.get_scores(q), K)
            seconds.append(time.perf_counter() - t)
            ranked[form].append([ids[i] for i in top])
    return ranked, seconds, check


# ---- report ---------------------------------------------------------------------------


def _cells(ranks: list[int | None]) -> str:
    r1, r5, mrr = metrics(ranks)
    return f"{r1:6.3f} {r5:6.3f} {mrr:7.3f}"


def print_tables(
    queries: list[Query],
    texts: dict[str, list[str]],
    ranks: dict[str, dict[str, list[int | None]]],
) -> None:
    """Recall@1, Recall@5 and MRR@10 per form and system, then MRR@10 per query kind."""
    systems = list(ranks)
    changed = []
    if "other_tone_style" in texts:
        flipped = texts["other_tone_style"]
        changed = [i for i, q in enumerate(queries) if flipped[i] != q.text]
    print()
    head = "".join(f" | {s:^21}" for s in systems)
    sub = "".join(" |    R@1    R@5  MRR@10" for _ in systems)
    print(f"{'form':<28} {'queries':>7}{head}")
    print(f"{'':<28} {'':>7}{sub}")
    rows = []
    for form in texts:
        rows.append((form, list(range(len(queries)))))
        if form == "other_tone_style" and changed:
            rows.append(("  (only the changed ones)", changed))
    for name, pick in rows:
        form = "other_tone_style" if name.startswith("  ") else name
        cells = "".join(f" | {_cells([ranks[s][form][i] for i in pick])}" for s in systems)
        print(f"{name:<28} {len(pick):>7}{cells}")
    print("\nMRR@10 by query kind (" + " / ".join(systems) + "):")
    kinds = [k for k in KINDS if any(q.kind == k for q in queries)]
    counts = Counter(q.kind for q in queries)
    print(f"{'form':<28}" + "".join(f" {f'{k} ({counts[k]})':>17}" for k in kinds))
    for form in texts:
        line = f"{form:<28}"
        for kind in kinds:
            pick = [i for i, q in enumerate(queries) if q.kind == kind]
            vals = " / ".join(
                f"{metrics([ranks[s][form][i] for i in pick])[2]:.3f}" for s in systems
            )
            line += f" {vals:>17}"
        print(line)


def print_head_to_head(ranks: dict[str, dict[str, list[int | None]]]) -> None:
    """Per form, how many queries the project ranks better, worse or the same as plain."""
    print("\nproject against plain, per query (rank of the first right answer in the top 10):")
    for form, ours in ranks["project"].items():
        theirs = ranks["plain"][form]
        better = worse = 0
        for a, b in zip(ours, theirs, strict=True):
            a, b = a or K + 1, b or K + 1
            better += a < b
            worse += a > b
        same = len(ours) - better - worse
        print(f"  {form:<20} better {better:4}, worse {worse:4}, same {same:4}")


def print_failures(
    queries: list[Query],
    texts: dict[str, list[str]],
    ranked: dict[str, dict[str, list[list[str]]]],
    ranks: dict[str, dict[str, list[int | None]]],
    titles: dict[str, str],
    limit: int,
) -> None:
    """Queries the project misses in its top 5, those plain rank-bm25 answers first."""
    print(f"\nproject misses (not in the top 5), up to {limit} per form, plain's hits first:")
    for form in texts:
        missed = [i for i, r in enumerate(ranks["project"][form]) if r is None or r > 5]
        plain = ranks.get("plain", {}).get(form)
        if plain:
            missed.sort(key=lambda i: (plain[i] is None, plain[i] or K + 1))
        for i in missed[:limit]:
            q = queries[i]
            top = ranked["project"][form][i]
            got = titles.get(top[0], "?") if top else "(no hit)"
            where = f", plain rank {plain[i]}" if plain else ""
            print(f"  [{form}/{q.kind}] {texts[form][i]!r}{where}")
            print(f"      want: {titles[q.article_id]!r}  got: {got!r}")


def _df_segmentation(index: SearchIndex, sylls: list[str], longest: int = 4) -> list[str]:
    """The first accentless segmenter (document frequencies), kept to measure its successor."""
    import math

    field = index.fields["fold"]
    n = max(field.n_docs, 1)
    best = [0.0] + [math.inf] * len(sylls)
    back = [0] * (len(sylls) + 1)
    for end in range(1, len(sylls) + 1):
        for size in range(1, min(longest, end) + 1):
            df = field.df("_".join(sylls[end - size : end]))
            cost = math.log(n / df) + 1.0 if df > 0 else (math.log(n) + 10.0 if size == 1 else None)
            if cost is not None and best[end - size] + cost < best[end]:
                best[end], back[end] = best[end - size] + cost, end - size
    words, end = [], len(sylls)
    while end > 0:
        words.append("_".join(sylls[back[end] : end]))
        end = back[end]
    return words[::-1]


def ablations(index: SearchIndex) -> list[tuple[str, Callable[[], Callable[[], None]]]]:
    """(name, apply) pairs: apply() switches one feature of the project off, returns undo."""
    from index.ranking import Ranking

    def ranking(changes: dict):
        def apply():
            old = index.ranking
            index.ranking = dataclasses.replace(old, **changes)
            return lambda: setattr(index, "ranking", old)

        return apply

    def df_segmentation():
        planner = index.planner
        planner.segment_folded = lambda sylls, longest=4: _df_segmentation(index, sylls, longest)
        return lambda: planner.__dict__.pop("segment_folded")

    return [
        *((name, ranking(changes)) for name, changes in Ranking.ablations()),
        ("accentless words by document frequency", df_segmentation),
    ]


def print_ablation(
    queries: list[Query],
    texts: dict[str, list[str]],
    index: SearchIndex,
    full: dict[str, list[int | None]],
) -> None:
    """MRR@10 per form with each feature switched off in turn (the same queries)."""
    forms_ = list(texts)
    print("\nablation, MRR@10 per form (each row switches one feature off):")
    print(f"{'variant':44}" + "".join(f"{f:>18}" for f in forms_))
    print(
        f"{'project (everything on)':44}" + "".join(f"{metrics(full[f])[2]:18.3f}" for f in forms_)
    )
    for name, apply in ablations(index):
        undo = apply()
        try:
            ranked, _ = run_project(index, texts, queries)
        finally:
            undo()
        row = []
        for f in forms_:
            ranks = [rank_of(r, q.answers) for r, q in zip(ranked[f], queries, strict=True)]
            row.append(
                f"{metrics(ranks)[2]:11.3f} ({metrics(ranks)[2] - metrics(full[f])[2]:+.3f})"
            )
        print(f"{name:44}" + "".join(f"{c:>18}" for c in row))


def main(argv: list[str] | None = None, project: Search = project_search) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--articles", type=int, default=20_000, help="first N corpus articles")
    p.add_argument("--queries", type=int, default=1_000)
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--project-only", action="store_true", help="skip the rank-bm25 baseline")
    p.add_argument(
        "--limit-forms", default=",".join(FORMS), help=f"comma-separated subset of {FORMS}"
    )
    p.add_argument("--reindex", action="store_true", help="rebuild data/quality/n{N}/")
    p.add_argument("--verify", type=int, default=25, help="queries to check against get_scores")
    p.add_argument("--failures", type=int, default=0, help="print N project misses per form")
    p.add_argument(
        "--ablation",
        action="store_true",
        help="also rerun the project with each feature switched off",
    )
    p.add_argument(
        "--opensearch",
        metavar="URL",
        help="also the project with OpenSearch as the first stage: a node's URL, or"
        ' "start" to start one here',
    )
    p.add_argument(
        "--hybrid",
        choices=("windows", "leads"),
        help="also the project with the semantic stage (bench/hybrid.py): every article's lead"
        " and windows (or lead only) embedded once, cached under /tmp",
    )
    args = p.parse_args(argv)
    print_machine()
    chosen = [f.strip() for f in args.limit_forms.split(",") if f.strip()]
    if unknown := [f for f in chosen if f not in FORMS]:
        p.error(f"unknown forms {unknown}; choose from {FORMS}")
    started = time.perf_counter()
    argv_shown = sys.argv[1:] if argv is None else argv
    print(f"command: {shlex.join(['.venv/bin/python', 'bench/quality.py', *argv_shown])}")

    articles, lines = read_articles(args.articles)
    t = time.perf_counter()
    index = project_index(len(articles), lines, args.reindex)
    del lines
    indexed_s = time.perf_counter() - t
    queries, skipped = build_queries(articles, args.queries, args.seed)
    texts = {f: [] for f in FORMS if f in chosen}
    for q in queries:
        typed = forms(q.text, args.seed)
        for f in texts:
            texts[f].append(typed[f])
    kinds = Counter(q.kind for q in queries)
    print(
        f"seed {args.seed}; {len(articles):,} articles (N={args.articles:,}) from {CORPUS.name}, "
        f"{index.stats().articles:,} in the project index (index/ code {CODE}); "
        f"{len(queries):,} queries: " + ", ".join(f"{kinds[k]} {k}" for k in KINDS)
    )
    print(
        "skipped candidates: "
        + (", ".join(f"{n} {why}" for why, n in skipped.most_common()) or "none")
    )
    multi = sum(len(q.answers) > 1 for q in queries)
    print(f"queries whose story has several articles (republished, re-headlined): {multi}")
    for form in ("other_tone_style", "lowercase", "typo", "no_diacritics"):
        if form in texts and "accented" in texts:
            n = sum(a != b for a, b in zip(texts["accented"], texts[form], strict=True))
            print(f"  {form}: {n:,} of {len(queries):,} queries differ from the accented text")

    ranked: dict[str, dict[str, list[list[str]]]] = {}
    seconds: dict[str, list[float]] = {}
    check = ""
    t = time.perf_counter()
    if not args.project_only:
        ranked["plain"], seconds["plain"], check = run_plain(
            articles, texts, args.verify, args.seed
        )
    plain_s = time.perf_counter() - t
    t = time.perf_counter()
    ranked["project"], seconds["project"] = run_project(index, texts, queries, project)
    project_s = time.perf_counter() - t
    if args.opensearch:
        from opensearch_runs import opensearch_replica, opensearch_url

        with (
            opensearch_url(args.opensearch) as url,
            opensearch_replica(index, url, f"bench-quality-n{args.articles}") as replica,
        ):
            ranked["opensearch"], seconds["opensearch"] = run_project(
                replica, texts, queries, project
            )

    if args.hybrid:
        ranked["hybrid"], seconds["hybrid"] = run_hybrid(
            len(articles), args.hybrid, texts, queries, project
        )

    ranks = {
        system: {
            form: [rank_of(r, q.answers) for r, q in zip(rs, queries, strict=True)]
            for form, rs in by_form.items()
        }
        for system, by_form in ranked.items()
    }
    print_tables(queries, texts, ranks)
    if "plain" in ranks:
        print_head_to_head(ranks)
    if "opensearch" in ranked:
        from opensearch_runs import print_agreement

        print_agreement(ranked["project"], ranked["opensearch"])
    if check:
        print("\n" + check)
    for s, secs in seconds.items():
        print(
            f"{s} query latency: median {statistics.median(secs) * 1e3:.1f} ms, "
            f"p90 {np.percentile(secs, 90) * 1e3:.1f} ms over {len(secs):,} queries"
            + (" (scoring + top 10; pyvi on the query not included)" if s == "plain" else "")
        )
    if args.ablation:
        print_ablation(queries, texts, index, ranks["project"])
    if args.failures:
        titles = {a[0]: a[1] for a in articles}
        print_failures(queries, texts, ranked, ranks, titles, args.failures)
    index.close()
    print(
        f"\ndone in {time.perf_counter() - started:,.0f} s (project index {indexed_s:,.0f} s, "
        f"plain stack {plain_s:,.0f} s, project queries {project_s:,.0f} s)"
    )


if __name__ == "__main__":
    main()
