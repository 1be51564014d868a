"""Questions worded unlike their article: the real questions rewritten by rule, lexical vs hybrid.

    .venv/bin/python bench/paraphrase.py --distractors 0 --hybrid windows
    .venv/bin/python bench/paraphrase.py --show 20        # the rewrites, nothing ranked

Each of the real questions (../shared/questions) is rewritten by three fixed rules, written
without looking at any ranking: words swapped for a synonym from the table below (a
reader who has not read the article uses their own words), a leading clause moved to the
end ("Theo bác sĩ, X?" -> "X, theo bác sĩ?"), and light words dropped ("các", "những",
"đã", "được", "rất"). A question counts only if the table changed at least one of its words.
The index, the vectors and the systems are bench/questions.py's.
"""

from __future__ import annotations

import argparse
import random
import re
import shlex
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.quality import project_index  # noqa: E402
from bench.questions import (  # noqa: E402
    DATA,
    Question,
    print_table,
    project_system,
    read_data,
    run,
)

# groups of words a reader may use for one another; the first that differs is not always
# taken: a seeded choice among the others
SYNONYMS = [
    ["chết", "tử vong", "thiệt mạng"],
    ["bệnh nhân", "người bệnh"],
    ["bác sĩ", "thầy thuốc"],
    ["bệnh viện", "nhà thương"],
    ["trẻ em", "trẻ nhỏ"],
    ["nguyên nhân", "lý do"],
    ["điều trị", "chữa trị"],
    ["phẫu thuật", "mổ"],
    ["phát hiện", "tìm ra"],
    ["nguy cơ", "rủi ro"],
    ["hiệu quả", "tác dụng"],
    ["giúp", "hỗ trợ"],
    ["tại sao", "vì sao"],
    ["như thế nào", "ra sao"],
    ["ở đâu", "tại đâu"],
    ["khi nào", "lúc nào"],
    ["bao nhiêu", "mấy"],
    ["triệu chứng", "dấu hiệu"],
    ["lợi ích", "ích lợi"],
    ["thực phẩm", "đồ ăn"],
    ["mang thai", "có bầu"],
    ["thai phụ", "bà bầu"],
    ["xét nghiệm", "kiểm tra"],
    ["vắc xin", "vaccine"],
    ["béo phì", "thừa cân"],
    ["tập thể dục", "vận động"],
    ["căng thẳng", "stress"],
    ["cơ thể", "thân thể"],
    ["nghiên cứu", "khảo sát"],
    ["nhà khoa học", "giới khoa học"],
    ["người dân", "bà con"],
    ["cho biết", "nói"],
    ["tăng", "gia tăng"],
    ["giảm", "hạ"],
    ["mắc", "bị"],
    ["uống", "dùng"],
    ["ung thư", "bệnh ung thư"],
    ["phụ nữ", "chị em"],
    ["đàn ông", "nam giới"],
    ["người già", "người cao tuổi"],
    ["tác hại", "tác động xấu"],
    ["sức khỏe", "thể trạng"],
    ["kết quả", "kết luận"],
    ["cân nặng", "trọng lượng"],
    ["trẻ sơ sinh", "em bé mới sinh"],
    ["đau", "nhức"],
    ["thuốc", "dược phẩm"],
    ["chuyên gia", "người trong ngành"],
]
DROPPED = ("các", "những", "đã", "được", "rất")
# question words are swapped too, but a question counts only if a word of its subject was
# (the lexical stage leaves question words out anyway)
QUESTION_WORDS = {"tại sao", "vì sao", "như thế nào", "ra sao", "ở đâu", "tại đâu", "khi nào"}
QUESTION_WORDS |= {"lúc nào", "bao nhiêu", "mấy"}

_WORD = {w: group for group in SYNONYMS for w in group}
_PATTERN = re.compile(
    r"(?<![\w])(" + "|".join(sorted(map(re.escape, _WORD), key=len, reverse=True)) + r")(?![\w])",
    re.IGNORECASE,
)
_DROP = re.compile(r"(?<![\w])(" + "|".join(DROPPED) + r")\s+(?=\w)", re.IGNORECASE)


def rewrite(text: str, rng: random.Random) -> tuple[str, int]:
    """The question reworded by the three rules, and how many subject words were swapped."""
    swapped = 0

    def swap(m: re.Match) -> str:
        nonlocal swapped
        word = m.group(0)
        others = [w for w in _WORD[word.lower()] if w != word.lower()]
        swapped += word.lower() not in QUESTION_WORDS
        choice = rng.choice(others)
        return choice[0].upper() + choice[1:] if word[0].isupper() else choice

    out = _PATTERN.sub(swap, text)
    out = _DROP.sub("", out)
    head, sep, rest = out.partition(", ")
    if sep and rest and len(head.split()) <= 5:  # "Theo X, Y?" -> "Y, theo X?"
        mark = rest[-1] if rest[-1] in "?." else ""
        body = rest[:-1] if mark else rest
        out = f"{body[0].upper()}{body[1:]}, {head[0].lower()}{head[1:]}{mark}"
    out = re.sub(r"\s+", " ", out).strip()
    return out[:1].upper() + out[1:], swapped


def paraphrased(questions: list[Question], seed: int = 7) -> list[tuple[Question, str]]:
    """The questions the table changed, each with its rewrite."""
    rng = random.Random(seed)
    out = []
    for q in questions:
        text, swapped = rewrite(q.text, rng)
        if swapped:
            out.append((q, text))
    return out


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    p.add_argument("--distractors", type=int, default=10_000)
    p.add_argument("--hybrid", choices=("windows", "leads", "question-windows"), default="windows")
    p.add_argument("--show", type=int, default=0, help="print N rewrites and stop")
    p.add_argument("--questions", type=int, default=0, help="only the first N real questions")
    p.add_argument("--semantic", type=float, help="the fusion weight (Ranking.semantic)")
    args = p.parse_args(argv)
    shown = sys.argv[1:] if argv is None else argv
    print(f"command: {shlex.join(['.venv/bin/python', 'bench/paraphrase.py', *shown])}")
    started = time.perf_counter()
    articles, lines, questions = read_data(args.distractors)
    if args.questions:
        questions = questions[: args.questions]
    pairs = paraphrased(questions)
    print(f"{len(pairs):,} of {len(questions):,} questions reworded by the synonym table")
    if args.show:
        for q, text in pairs[: args.show]:
            print(f"  {q.text}\n  -> {text}")
        return
    from bench.hybrid import (
        hybrid_index,
        leads_only,
        print_halves,
        question_articles,
        with_weights,
    )
    from bench.questions import scores

    data = DATA / f"d{args.distractors}"
    lexical = project_index(len(articles), lines, False, data)
    hybrid = hybrid_index(
        data,
        windows=args.hybrid == "windows",
        windows_of=question_articles(articles) if args.hybrid == "question-windows" else None,
    )
    if args.hybrid == "leads":
        leads_only(hybrid)
    if args.semantic is not None:
        with_weights(hybrid, semantic=args.semantic)
    qs = [q for q, _ in pairs]
    texts = {"as_written": [q.text for q in qs], "paraphrased": [t for _, t in pairs]}
    results = {}
    for name, index in (("default ranking", lexical), ("hybrid", hybrid)):
        results[name], secs = run(project_system(index, False), texts, name[:8])
        print(f"{name}: median {sorted(secs)[len(secs) // 2] * 1e3:.0f} ms a question")
    from bench import questions as qmod

    qmod.FORMS = ("as_written", "paraphrased")  # print_table walks FORMS
    print_table(results, qs)
    print_halves(results, qs, scores, list(texts))
    hybrid.semantic.encoder.flush()
    print(f"\ndone in {time.perf_counter() - started:,.0f} s")


if __name__ == "__main__":
    main()
