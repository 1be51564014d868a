"""Real reader questions: R@1, R@5, MRR@10 and answered@1 of plain rank-bm25, the exact mode
and the default ranking.

    .venv/bin/python bench/questions.py                 # 2,497 questions x 3 forms
    .venv/bin/python bench/questions.py --ablation      # also each ranking feature switched off
    .venv/bin/python bench/questions.py --questions 500 --project-only   # a quick look

Questions: ../shared/questions/ (never copied into the repo), 2,497 questions people wrote
after reading one of 500 health-news articles, with the spans of the article that answer
them. The index holds those 500 articles and, as distractors, the first --distractors
articles of ../shared/corpus/news.jsonl.gz. Each question is asked as written, without
diacritics and in the other tone-mark style ("hòa" <-> "hoà").

Metrics, per form: R@1 and R@5 (the question's article is first / in the top five), MRR@10,
and answered@1: the first hit is the right article and its excerpt, what a reader sees in
Telegram without tapping anything, holds one of the answer spans. Plain rank-bm25 has no
excerpts: it is credited with the article's first 300 characters, what a bare engine shows.

The first run indexes with `newsbot index`'s pipeline into data/questions/d{N}/ and caches
the plain stack's pyvi tokens beside it (about 6 minutes on 2 cores); later runs reuse both.
"""

from __future__ import annotations

import argparse
import dataclasses
import gzip
import json
import re
import shlex
import statistics
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from opensearch_runs import opensearch_replica, opensearch_url, print_agreement  # noqa: E402

from bench.machine import print_machine  # noqa: E402
from bench.quality import (  # noqa: E402
    CORPUS,
    PlainScorer,
    metrics,
    plain_query_tokens,
    plain_tokens,
    project_index,
    rank_of,
    top_k,
)
from bench.quality_queries import flip_tone_style  # noqa: E402
from index.normalize import fold, normalize  # noqa: E402
from index.progress import Progress  # noqa: E402
from index.ranking import Ranking  # noqa: E402
from index.search import SearchIndex  # noqa: E402

QUESTIONS = ROOT.parent / "shared" / "questions"
DATA = ROOT / "data" / "questions"
K = 10
FORMS = ("as_written", "no_diacritics", "other_tone_style")
LEAD_CHARS = 300


@dataclass(frozen=True, slots=True)
class Question:
    """A reader's question, the article it was written on, and the spans that answer it."""

    text: str
    article_id: str
    answers: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Answer:
    """What a system showed for one question: its top K ids and the first hit's excerpt."""

    ids: list[str]
    excerpt: str


def _lines(path: Path) -> list[str]:
    with gzip.open(path, "rt", encoding="utf-8") as f:
        return [line for line in f if line.strip()]


def read_data(distractors: int) -> tuple[list[tuple[str, str, str]], list[str], list[Question]]:
    """(id, title, body) of every indexed article, their JSON lines, and the questions."""
    lines = _lines(QUESTIONS / "articles.jsonl.gz")
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            if len(lines) >= 500 + distractors:
                break
            lines.append(line)
    articles = []
    for line in lines:
        r = json.loads(line)
        articles.append((r["id"], r["title"], r["body"]))
    questions = []
    for line in _lines(QUESTIONS / "questions.jsonl.gz"):
        r = json.loads(line)
        questions.append(Question(r["question"], r["article"], tuple(r["answers"])))
    return articles, lines, questions


def typed_forms(text: str) -> dict[str, str]:
    """The question as written and as readers also type it."""
    return {
        "as_written": text,
        "no_diacritics": fold(text),
        "other_tone_style": flip_tone_style(text),
    }


_SPACE = re.compile(r"\s+")


def _canon(text: str) -> str:
    return _SPACE.sub(" ", normalize(text)).strip()


def answered(answer: Answer, q: Question) -> bool:
    """The first hit is the question's article and its excerpt holds an answer span."""
    if not answer.ids or answer.ids[0] != q.article_id:
        return False
    shown = _canon(answer.excerpt)
    return any(_canon(a) in shown for a in q.answers if a.strip())


# ---- systems ---------------------------------------------------------------------------

System = Callable[[str], Answer]


def project_system(index: SearchIndex, exact: bool) -> System:
    """SearchIndex.search(question, k=10): the default ranking, or the exact BM25Okapi mode."""

    def ask(text: str) -> Answer:
        hits = index.search(text, k=K, exact=exact).hits
        return Answer([h.article.id for h in hits], hits[0].excerpt.text if hits else "")

    return ask


def plain_system(articles: list[tuple[str, str, str]], cache: Path) -> tuple[System, str]:
    """pyvi tokens of the lower-cased text in rank_bm25.BM25Okapi, and its check line."""
    from rank_bm25 import BM25Okapi

    tokens = plain_tokens(articles, cache)
    ref = BM25Okapi(tokens)
    del tokens
    ids = [a[0] for a in articles]
    leads = {a[0]: a[2][:LEAD_CHARS] for a in articles}
    scorer: PlainScorer | None = None

    def prepare(texts: Sequence[str]) -> str:
        nonlocal scorer
        vocabulary = {t for text in texts for t in plain_query_tokens(text)}
        scorer = PlainScorer(ref, vocabulary)
        sample = list(texts)[:: max(len(texts) // 20, 1)]
        same = sum(
            np.array_equal(
                scorer.get_scores(plain_query_tokens(t)), ref.get_scores(plain_query_tokens(t))
            )
            for t in sample
        )
        if same != len(sample):
            raise SystemExit("the plain scorer differs from rank_bm25's get_scores")
        return f"plain scorer check: {same}/{len(sample)} sampled questions give rank_bm25's own scores"

    def ask(text: str) -> Answer:
        assert scorer is not None
        top = [ids[i] for i in top_k(scorer.get_scores(plain_query_tokens(text)), K)]
        return Answer(top, leads[top[0]] if top else "")

    ask.prepare = prepare  # type: ignore[attr-defined]
    return ask, ""


def run(
    system: System, texts: dict[str, list[str]], label: str
) -> tuple[dict[str, list[Answer]], list[float]]:
    """Every question in every form through one system, and the seconds each took."""
    out: dict[str, list[Answer]] = {f: [] for f in texts}
    seconds: list[float] = []
    progress = Progress(sum(len(v) for v in texts.values()), "questions", label=f"{label} ")
    for form, qs in texts.items():
        for text in qs:
            t = time.perf_counter()
            out[form].append(system(text))
            seconds.append(time.perf_counter() - t)
            progress.update(1)
    progress.close()
    return out, seconds


def scores(answers: list[Answer], questions: list[Question]) -> tuple[float, float, float, float]:
    """R@1, R@5, MRR@10 and answered@1."""
    ranks = [
        rank_of(a.ids, frozenset({q.article_id})) for a, q in zip(answers, questions, strict=True)
    ]
    r1, r5, mrr = metrics(ranks)
    got = sum(answered(a, q) for a, q in zip(answers, questions, strict=True)) / len(questions)
    return r1, r5, mrr, got


def print_table(results: dict[str, dict[str, list[Answer]]], questions: list[Question]) -> None:
    """One row per form, four columns per system."""
    systems = list(results)
    print()
    print(f"{'form':<18}" + "".join(f" | {s:^30}" for s in systems))
    print(f"{'':<18}" + "".join(" |    R@1    R@5 MRR@10 answ@1" for _ in systems))
    first = {}
    for form in FORMS:
        if form not in results[systems[0]]:
            continue
        cells = ""
        for s in systems:
            r1, r5, mrr, got = scores(results[s][form], questions)
            first.setdefault(s, mrr)
            cells += f" | {r1:6.3f} {r5:6.3f} {mrr:6.3f} {got:6.3f}"
        print(f"{form:<18}{cells}")
    if "as_written" in results[systems[-1]]:
        # where the misses are: ranks 2-10 a reranking can still lift, past 10 it cannot
        ranks = [
            rank_of(a.ids, frozenset({q.article_id}))
            for a, q in zip(results[systems[-1]]["as_written"], questions, strict=True)
        ]
        first_hit = sum(r == 1 for r in ranks)
        top10 = sum(r is not None and 1 < r <= K for r in ranks)
        print(
            f"{systems[-1]}, as written: the article first for {first_hit:,} questions, "
            f"2nd to {K}th for {top10:,}, not in the top {K} for {len(ranks) - first_hit - top10:,}"
        )
    if "no_diacritics" in results[systems[0]]:
        kept = []
        for s in systems:
            mrr = scores(results[s]["no_diacritics"], questions)[2]
            kept.append(f"{s} {mrr / first[s]:.0%}")
        print("without diacritics, share of the as-written MRR@10: " + ", ".join(kept))


def ablations() -> list[tuple[str, Callable[[Ranking], Ranking]]]:
    """(name, change) pairs: each switches one feature of the default ranking off."""
    off = dataclasses.replace
    return [(name, lambda r, c=change: off(r, **c)) for name, change in Ranking.ablations()]


def print_ablation(
    index: SearchIndex,
    texts: dict[str, list[str]],
    questions: list[Question],
    full: dict[str, list[Answer]],
) -> None:
    """MRR@10 and answered@1 per form with each feature switched off in turn."""
    forms_ = [f for f in FORMS if f in texts]
    print("\nablation, MRR@10 / answered@1 per form (each row switches one feature off):")
    print(f"{'variant':46}" + "".join(f" | {f:^31}" for f in forms_))

    def row(name: str, got: dict[str, list[Answer]]) -> None:
        cells = []
        for f in forms_:
            _, _, mrr, ans = scores(got[f], questions)
            _, _, mrr0, ans0 = scores(full[f], questions)
            cells.append(f"{mrr:.3f} ({mrr - mrr0:+.3f}) {ans:.3f} ({ans - ans0:+.3f})")
        print(f"{name[:46]:46}" + "".join(f" | {c:>31}" for c in cells), flush=True)

    row("default ranking (everything on)", full)
    base = index.ranking
    for name, change in ablations():
        index.ranking = change(base)
        try:
            got, _ = run(project_system(index, False), texts, name[:20])
        finally:
            index.ranking = base
        row(name, got)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--distractors", type=int, default=10_000, help="first N corpus articles")
    p.add_argument("--questions", type=int, default=0, help="only the first N questions")
    p.add_argument("--forms", default=",".join(FORMS), help=f"comma-separated subset of {FORMS}")
    p.add_argument("--project-only", action="store_true", help="skip plain rank-bm25")
    p.add_argument("--reindex", action="store_true", help="rebuild data/questions/d{N}/")
    p.add_argument("--ablation", action="store_true", help="rerun with each feature switched off")
    p.add_argument("--failures", type=int, default=0, help="print N questions the default misses")
    p.add_argument(
        "--hybrid",
        choices=("windows", "leads", "question-windows"),
        help="add the semantic stage (bench/hybrid.py)",
    )
    p.add_argument("--semantic", type=float, help="its fusion weight (Ranking.semantic)")
    p.add_argument(
        "--opensearch",
        metavar="URL",
        help="also the default ranking on a replica served by OpenSearch (no index of its own:"
        " the cluster ranks and counts for the planner): a node's URL, or"
        ' "start" to start one here',
    )
    args = p.parse_args(argv)
    print_machine()
    chosen = [f.strip() for f in args.forms.split(",") if f.strip()]
    if unknown := [f for f in chosen if f not in FORMS]:
        p.error(f"unknown forms {unknown}; choose from {FORMS}")
    started = time.perf_counter()
    shown = sys.argv[1:] if argv is None else argv
    print(f"command: {shlex.join(['.venv/bin/python', 'bench/questions.py', *shown])}")

    articles, lines, questions = read_data(args.distractors)
    if args.questions:
        questions = questions[: args.questions]
    index = project_index(len(articles), lines, args.reindex, DATA / f"d{args.distractors}")
    del lines
    texts: dict[str, list[str]] = {f: [] for f in FORMS if f in chosen}
    for q in questions:
        typed = typed_forms(q.text)
        for f in texts:
            texts[f].append(typed[f])
    flipped = sum(
        a != b
        for a, b in zip(
            texts.get("other_tone_style", []), texts.get("as_written", []), strict=False
        )
    )
    lengths = [len(a[2]) for a in articles]
    # a ranking that favours short articles scores here without helping readers: say so
    print(
        f"median body length: {statistics.median(lengths[:500]):,.0f} characters for the "
        f"question articles, {statistics.median(lengths[500:] or [0]):,.0f} for the distractors"
    )
    print(
        f"{len(questions):,} questions on 500 articles, {index.stats().articles:,} articles indexed "
        f"({args.distractors:,} distractors from {CORPUS.name}); the other tone style changes "
        f"{flipped} of them"
    )
    results: dict[str, dict[str, list[Answer]]] = {}
    seconds: dict[str, list[float]] = {}
    if not args.project_only:
        plain, _ = plain_system(articles, DATA / f"plain-d{args.distractors}.jsonl.gz")
        print(plain.prepare([t for ts in texts.values() for t in ts]))  # type: ignore[attr-defined]
        results["plain rank-bm25"], seconds["plain rank-bm25"] = run(plain, texts, "plain")
        results["exact BM25Okapi"], seconds["exact BM25Okapi"] = run(
            project_system(index, True), texts, "exact"
        )
    results["default ranking"], seconds["default ranking"] = run(
        project_system(index, False), texts, "default"
    )
    if args.hybrid:
        from bench.hybrid import (
            hybrid_index,
            leads_only,
            print_halves,
            question_articles,
            with_weights,
        )

        hybrid = hybrid_index(
            DATA / f"d{args.distractors}",
            windows=args.hybrid == "windows",
            windows_of=question_articles(articles) if args.hybrid == "question-windows" else None,
        )
        if args.hybrid == "leads":
            leads_only(hybrid)
        if args.semantic is not None:
            with_weights(hybrid, semantic=args.semantic)
        results["hybrid"], seconds["hybrid"] = run(project_system(hybrid, False), texts, "hybrid")
        hybrid.semantic.encoder.flush()  # question vectors cached: hybrid times exclude them
    if args.opensearch:
        with (
            opensearch_url(args.opensearch) as url,
            opensearch_replica(index, url, f"bench-d{args.distractors}") as replica,
        ):
            results["OpenSearch"], seconds["OpenSearch"] = run(
                project_system(replica, False), texts, "opensearch"
            )
    print_table(results, questions)
    if args.hybrid:
        print_halves(results, questions, scores, list(texts))
    if args.opensearch:
        print_agreement(
            {f: [a.ids for a in v] for f, v in results["default ranking"].items()},
            {f: [a.ids for a in v] for f, v in results["OpenSearch"].items()},
        )
    for s, secs in seconds.items():
        print(
            f"{s}: median {statistics.median(secs) * 1e3:.1f} ms, p90 "
            f"{np.percentile(secs, 90) * 1e3:.1f} ms a question"
            + (
                " (pyvi on the question, scoring, top 10)"
                if s.startswith("plain")
                else " (whole search(), excerpts included)"
            )
        )
    if args.ablation:
        print_ablation(index, texts, questions, results["default ranking"])
    if args.failures:
        titles = {a[0]: a[1] for a in articles}
        got = (
            results["default ranking"]["as_written"]
            if "as_written" in texts
            else next(iter(results["default ranking"].values()))
        )
        print(f"\ndefault ranking misses (not first), up to {args.failures}:")
        shown_n = 0
        for a, q in zip(got, questions, strict=True):
            if a.ids and a.ids[0] == q.article_id:
                continue
            print(
                f"  {q.text!r}\n      want: {titles[q.article_id]!r}  got: {titles.get(a.ids[0], '?') if a.ids else '(nothing)'!r}"
            )
            shown_n += 1
            if shown_n >= args.failures:
                break
    index.close()
    print(f"\ndone in {time.perf_counter() - started:,.0f} s")


if __name__ == "__main__":
    main()
