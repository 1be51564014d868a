"""Time words: MRR@10 of questions asked plain and with a time word appended, this code
beside a baseline (main before the period change) in one run.

    nice -n 10 .venv/bin/python bench/periods.py                    # baseline: 504f66b
    nice -n 10 .venv/bin/python bench/periods.py --baseline main --headlines 100 --questions 100

The archive: the first --articles articles of ../shared/corpus/news.jsonl.gz and the 500
articles of ../shared/questions/ (never copied into the repo), each given a date drawn from
its id (crc32) over 2016-2017 (the corpus is mostly undated): about a dozen articles a day.
Questions: --headlines headline-style queries built from corpus titles and leads
(bench/quality_queries.py, seeded) and --questions real reader questions, each with its
right articles. Each is asked

* plain;
* with a time word appended ("hôm nay", "hôm qua", "tuần này", "tháng này", "mới nhất",
  "năm YYYY"; drawn per question) and "today" set so that the right article falls inside
  the period ("in period": it should come first);
* with a time word whose period holds none of the right articles but holds others ("none
  in period": the time word must not push weak matches of the period ahead).

The baseline runs in a second process on `git archive <baseline> index` and its own copy of
the index folder. Indexes live in data/periods/ (the first run indexes, about 5 minutes on
2 cores).
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import json
import random
import shutil
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus" / "news.jsonl.gz"
QUESTIONS = SHARED / "questions"
DATA = ROOT / "data" / "periods"
START, DAYS = dt.date(2016, 1, 1), 731
K = 10
WORDS = ("hôm nay", "hôm qua", "tuần này", "tháng này", "mới nhất", "năm")
SETTINGS = ("plain", "in period", "none in period")
BASELINE = "504f66b"  # main before the period change


def date_of(article_id: str) -> dt.date:
    """The article's date in the bench archive, drawn from its id."""
    return START + dt.timedelta(days=zlib.crc32(article_id.encode()) % DAYS)


def read_archive(n: int) -> tuple[list[tuple[str, str, str]], list[dict]]:
    """The corpus's first n articles as (id, title, body), and every record, dated."""
    corpus, records = [], []
    with gzip.open(CORPUS, "rt", encoding="utf-8") as f:
        for line in f:
            if len(corpus) >= n:
                break
            r = json.loads(line)
            corpus.append((r["id"], r["title"], r["body"]))
            records.append(r)
    with gzip.open(QUESTIONS / "articles.jsonl.gz", "rt", encoding="utf-8") as f:
        records += [json.loads(line) for line in f]
    for r in records:
        r["published"] = date_of(r["id"]).isoformat()
    return corpus, records


def read_questions(corpus, n_headlines: int, n_questions: int, seed: int):
    """(kind, text, answers) for the headline-style and the real questions."""
    from bench.quality_queries import build_queries

    built, _ = build_queries(corpus, n_headlines, seed)
    asked = [(q.kind, q.text, sorted(q.answers)) for q in built]
    with gzip.open(QUESTIONS / "questions.jsonl.gz", "rt", encoding="utf-8") as f:
        real = [json.loads(line) for line in f]
    random.Random(seed).shuffle(real)
    seen: set[str] = set()
    for q in real:  # one question an article: the archive's 500 are the limit
        if len(seen) < n_questions and q["article"] not in seen:
            seen.add(q["article"])
            asked.append(("real question", q["question"], [q["article"]]))
    return asked


def _period(word: str, today: dt.date, year: int) -> tuple[dt.date, dt.date]:
    """The days a time word covers (as index/query.py reads it; the bench's own copy)."""
    if word == "hôm nay":
        return today, today
    if word == "hôm qua":
        return today - dt.timedelta(days=1), today - dt.timedelta(days=1)
    if word == "tuần này":
        return today - dt.timedelta(days=today.weekday()), today
    if word == "tháng này":
        return today.replace(day=1), today
    if word == "mới nhất":
        return today - dt.timedelta(days=29), today
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def asked_with_time(answers: list[str], seed: int, inside: bool) -> tuple[str, str]:
    """A time word for a question and the day it is asked (ISO): its period holds one of
    the right articles (inside) or none of them."""
    rng = random.Random(f"{seed}|{answers[0]}|{inside}")
    word = rng.choice(WORDS)
    day = date_of(answers[0])
    dates = [date_of(a) for a in answers]
    if inside:
        shift = {"hôm nay": 0, "hôm qua": 1, "tuần này": rng.randint(0, 6 - day.weekday())}
        if word == "tháng này":
            last = (day.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
            shift[word] = rng.randint(0, (last - day).days - 1)
        shift["mới nhất"] = rng.randint(0, 29)
        today = day + dt.timedelta(days=shift.get(word, 0))
        year = day.year
    else:
        for _ in range(1000):
            today = START + dt.timedelta(days=rng.randint(40, DAYS - 1))
            year = rng.choice((2016, 2017))
            lo, hi = _period(word, today, year)
            if not any(lo <= d <= hi for d in dates):
                break
    text = f"năm {year}" if word == "năm" else word
    return text, today.isoformat()


def rank_of(ids: list[str], answers: list[str]) -> int | None:
    for i, article_id in enumerate(ids[:K], 1):
        if article_id in answers:
            return i
    return None


def mrr(ranks: list[int | None]) -> float:
    return sum(1 / r for r in ranks if r) / max(len(ranks), 1)


def run(data: Path, records: list[dict], asked, seed: int) -> dict[str, list]:
    """Ranks of every question in each setting, with the code importable as `index`."""
    from index.ingest import ingest
    from index.search import SearchIndex

    marker = data / "periods.json"
    if not marker.exists():
        shutil.rmtree(data, ignore_errors=True)
        data.mkdir(parents=True)
        subset = data / "archive.jsonl"
        subset.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in records))
        print(f"indexing {len(records):,} articles into {data} ...", file=sys.stderr, flush=True)
        index = SearchIndex.open(data)
        ingest(index, [subset])
        index.close()
        subset.unlink()
        marker.write_text(json.dumps({"articles": len(records)}) + "\n")
    index = SearchIndex.open(data)
    ranks: dict[str, list] = {s: [] for s in SETTINGS}
    end = START + dt.timedelta(days=DAYS)
    for _kind, text, answers in asked:
        ids = [h.article.id for h in index.search(text, k=K, today=end).hits]
        ranks["plain"].append(rank_of(ids, answers))
        for setting, inside in (("in period", True), ("none in period", False)):
            word, today = asked_with_time(answers, seed, inside)
            day = dt.date.fromisoformat(today)
            hits = index.search(f"{text} {word}", k=K, today=day).hits
            ranks[setting].append(rank_of([h.article.id for h in hits], answers))
    index.close()
    return ranks


def baseline_ranks(ref: str, data: Path, args: argparse.Namespace) -> dict[str, list]:
    """The same run on the baseline's index/ package, in a second process."""
    with tempfile.TemporaryDirectory() as tmp:
        code = Path(tmp)
        archive = subprocess.run(
            ["git", "-C", str(ROOT), "archive", ref, "index"], check=True, capture_output=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(code)], input=archive, check=True)
        base = data.with_name(data.name + "-base")
        if not base.exists() and (data / "periods.json").exists():
            shutil.copytree(data, base)  # the same articles: no second indexing
        out = subprocess.run(
            [sys.executable, __file__, "--ranks-only", str(code), "--data", str(base)]
            + [f"--{k}={v}" for k, v in vars(args).items() if k in ("articles", "headlines")]
            + [f"--questions={args.questions}", f"--seed={args.seed}"],
            check=True,
            capture_output=True,
            text=True,
        )
    return json.loads(out.stdout)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--articles", type=int, default=6_000, help="first N corpus articles")
    p.add_argument("--headlines", type=int, default=200, help="headline-style queries")
    p.add_argument("--questions", type=int, default=200, help="real reader questions")
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--baseline", default=BASELINE, help="git ref of the code to compare with")
    p.add_argument(
        "--shares",
        help="also this code with other index.periods.PERIOD_SHARE values (comma-separated)",
    )
    p.add_argument("--data", type=Path, help=argparse.SUPPRESS)
    p.add_argument("--ranks-only", metavar="CODE", help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    # the code whose `index` package is searched: a baseline's checkout, or this one
    sys.path.insert(0, args.ranks_only or str(ROOT))
    sys.path.insert(1, str(ROOT))
    data = args.data or DATA / f"n{args.articles}"
    corpus, records = read_archive(args.articles)
    asked = read_questions(corpus, args.headlines, args.questions, args.seed)
    if args.ranks_only:
        print(json.dumps(run(data, records, asked, args.seed)))
        return
    print(
        f"command: .venv/bin/python bench/periods.py {' '.join(sys.argv[1:])}\n"
        f"{len(records):,} articles dated {START}..{START + dt.timedelta(days=DAYS - 1)}; "
        f"{len(asked)} questions ({sum(k == 'real question' for k, _, _ in asked)} real, "
        f"the rest headline-style); seed {args.seed}"
    )
    import index.periods

    rows = [("this code", run(data, records, asked, args.seed))]
    for share in filter(None, (args.shares or "").split(",")):
        index.periods.PERIOD_SHARE = float(share)
        rows.append((f"share {float(share):.2f}", run(data, records, asked, args.seed)))
    rows.insert(0, (f"baseline {args.baseline}", baseline_ranks(args.baseline, data, args)))
    kinds = [("all", None), ("headline-style", False), ("real questions", True)]
    print(f"\nMRR@{K}                     " + "".join(f"{s:>18}" for s in SETTINGS))
    for name, ranks in rows:
        for kind, real in kinds:
            keep = [
                i
                for i, (k, _, _) in enumerate(asked)
                if real is None or (k == "real question") == real
            ]
            cells = "".join(f"{mrr([ranks[s][i] for i in keep]):18.3f}" for s in SETTINGS)
            print(f"{name + ', ' + kind:28}{cells}")
    print("\nthis code, by time word: questions, MRR@10 (against plain)")
    print(" " * 12 + "".join(f"{s:>23}" for s in SETTINGS[1:]))
    for word in WORDS:
        cells = ""
        for setting, inside in (("in period", True), ("none in period", False)):
            keep = [i for i, (_, _, a) in enumerate(asked) if _word(a, args.seed, inside) == word]
            got = mrr([rows[1][1][setting][i] for i in keep])
            plain = mrr([rows[1][1]["plain"][i] for i in keep])
            cells += f"{len(keep):>5} {got:.3f} ({got - plain:+.3f})"
        print(f"{word:>12}{cells}")


def _word(answers: list[str], seed: int, inside: bool) -> str:
    text, _ = asked_with_time(answers, seed, inside)
    return "năm" if text.startswith("năm ") else text


if __name__ == "__main__":
    main()
