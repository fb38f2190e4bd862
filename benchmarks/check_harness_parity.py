"""Does ``--extraction harness`` read the answer the authors' harness reads? Side by side on the same strings.

Runs the authors' own ``parser.py`` (their ``strip_string(extract_answer(text, name))`` and, for multiple
choice, ``choice_answer_clean``) and ``oneshot_trl.evaluation.extraction`` on completions written in the
harness's styles (boxed, "\\boxed 5$", the Minerva form, "the answer is", "final answer is", "答案是", bare
numbers, units, dollars, words…) around every gold answer of the six evaluation sets plus edge cases, and on
the gold answers themselves (``harness_gold`` vs ``parse_ground_truth`` on the row, from the solution on
MATH500 and Minerva Math). Prints the count of cases and every case where the two differ; the one documented
departure (``harness_answer`` keeps the once-cleaned answer where the harness's second cleaning cuts a brace
pair open) is counted apart.

    git clone https://github.com/ypwang61/One-Shot-RLVR && pip install regex
    python benchmarks/check_harness_parity.py --authors One-Shot-RLVR/Qwen2.5-Eval/evaluation \\
        [--data ../shared/data]

Their ``parser.py`` imports the old ``latex2sympy2`` at the top (never installed here: it breaks math-verify);
extraction does not use it, so a stand-in module is put in its place for this run.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import types
from pathlib import Path

STYLES = [
    "We compute carefully.\n\nThus the answer is $\\boxed{{{a}}}$.",
    "Final Answer: The final answer is ${a}$. I hope it is correct.",
    "So the answer is {a}.",
    "Therefore, the final answer is {a}",
    "The result: {a}",
    "\\boxed {a}$ done",
    "we get \\boxed{{{a}}} and then \\boxed{{{a}}}.",
    "答案是 {a}\n\nmore",
    "The answer is: {a}.\n",
    "{a}",
    "Hence \\fbox{{{a}}}",
    "so x = {a}\n\nThe answer is \\boxed{{{a}}} km",
    "It is {a} dollars and 5 cents",
]
EDGE_CASES = [
    "five",
    "twenty one",
    "a+b",
    "3 and 4",
    "1/2",
    "\\frac12",
    "0.50",
    "\\text{(C)}",
    "10\\%",
    "2\\sqrt3",
    "k = 7",
    "(-\\infty,\\infty)",
    "\\{1,2\\}",
    "5^\\circ",
    "\\$ 4.00",
    "infinity",
    "3j",
    ".5",
    "x \\in [0,1]",
    "\\dfrac{3}{4}",
    "12 \\text{ inches}",
    "7 m east",
    "\\begin{array}{cc} 1 & 2 \\end{array}",
    "\\frac1",
    "4/\\sqrt{2}",
    "",
]
CHOICE_TEXTS = [
    "The answer is (B).",
    "I think C. The answer is A",
    "Option D is right",
    "answer is: e.",
    "none",
    "The choice is b and the answer is c",
    "answer is A\n\nanswer is B",
    "so \\boxed{C}",
    "B. because A is wrong.",
]
SETS = ["math500", "minerva_math", "olympiadbench", "aime24", "aime25", "amc23"]


def load_authors_parser(folder: Path):
    sys.modules.setdefault("latex2sympy2", types.SimpleNamespace(latex2sympy=None))
    sys.path.insert(0, str(folder))
    import parser as authors  # their Qwen2.5-Eval/evaluation/parser.py

    return authors


def main() -> None:
    cli = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    cli.add_argument("--authors", type=Path, required=True, help="their Qwen2.5-Eval/evaluation folder")
    cli.add_argument("--data", type=Path, default=Path(__file__).resolve().parents[2] / "shared" / "data")
    cli.add_argument("--styles", type=int, default=4, help="completion styles drawn per gold answer")
    args = cli.parse_args()
    authors = load_authors_parser(args.authors)
    from oneshot_trl.evaluation.extraction import harness_answer, harness_gold

    golds = [(name, json.loads(line)) for name in SETS for line in (args.data / f"eval_{name}.jsonl").open()]
    golds += [(name, {"answer": a}) for a in EDGE_CASES for name in ("math500", "minerva_math")]
    rng = random.Random(0)
    cases = differ = departs = 0

    def check(what: str, ours: str, theirs: str, once: str | None = None) -> None:
        nonlocal cases, differ, departs
        cases += 1
        if ours != theirs and ours == once and theirs.count("{") != theirs.count("}"):
            departs += 1
            print(f"DEPARTS (documented) {what}: ours {ours!r}, theirs {theirs!r}")
        elif ours != theirs:
            differ += 1
            print(f"DIFFERS {what}: ours {ours!r}, theirs {theirs!r}")

    for name, row in golds:
        gold = row["answer"]
        keep_units = name in authors.STRIP_EXCEPTIONS
        for style in rng.sample(STYLES, args.styles):
            text = style.format(a=gold)
            once = authors.extract_answer(text, name)
            theirs = authors.strip_string(once, skip_unit=keep_units)
            check(f"{name} {text[:80]!r}", harness_answer(text, name), theirs, once)
        # parse_ground_truth reads the gold from where the harness finds it in the row
        if name in ("math500", "minerva_math"):
            example = {"solution": row.get("solution") or "\\boxed{" + gold + "}"}
        elif name == "olympiadbench":
            example = {"final_answer": [gold]}
        else:
            example = {"answer": gold}
        theirs = authors.parse_ground_truth(example, name)[1]
        check(f"{name} gold {gold!r}", harness_gold(gold, name, row.get("solution")), theirs)
    for text in CHOICE_TEXTS:
        check(
            f"choice {text!r}",
            harness_answer(text, "arc_easy"),
            authors.strip_string(authors.choice_answer_clean(text)),
        )
    print(
        f"{cases} cases ({len(golds)} gold answers x {args.styles} completion styles + the golds + "
        f"{len(CHOICE_TEXTS)} multiple-choice texts): {cases - differ - departs} the same, {departs} the "
        f"documented departure, {differ} differ"
    )


if __name__ == "__main__":
    main()
