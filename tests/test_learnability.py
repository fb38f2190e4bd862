"""Selection without a full-set run: the base model sampled k times per candidate, ranked by p̂(1−p̂) (or a
pass-rate band, or a target), the label check, resume under oneshot eval's protocol, and bad input."""

from __future__ import annotations

import json
import re

import pytest

from oneshot_trl.errors import OneShotError
from oneshot_trl.learnability import (
    SamplingConfig,
    choose_candidates,
    rank_candidates,
    sample_candidates,
    score_candidates,
)

from conftest import jsonl, run_cli

# Each candidate's answers, in the order the generator is asked for them (cycled).
SCRIPT = {
    "Q0": ("5", ["5", "5", "5", "5"]),  # always right: p = 1
    "Q1": ("5", ["5", "1", "5", "2"]),  # p = 0.5: the most learnable
    "Q2": ("9", ["3", "3", "3", "4"]),  # a clear majority on 3, the label says 9: a likely wrong label
    "Q3": ("7", ["7", "1", "2", "3"]),  # p = 0.25
    "Q4": ("8", ["1", "2", "3", "4"]),  # never right, no majority: hard, not mislabelled
}


class Scripted:
    """A generator that answers each candidate from SCRIPT and counts what it was asked."""

    dtype = "float32"

    def __init__(self, model_path: str) -> None:
        self.model_path, self.calls, self.seen = model_path, 0, {}

    def generate(self, prompts, **request):
        out = []
        for prompt in prompts:
            name = re.search(r"Q\d", prompt)[0]
            answers = SCRIPT[name][1]
            k = self.seen.get(name, 0)
            self.seen[name] = k + 1
            out.append((f"so \\boxed{{{answers[k % len(answers)]}}}", 3))
        self.calls += len(prompts)
        return out


@pytest.fixture()
def pool(tmp_path):
    from oneshot_trl.data import load_problems

    path = tmp_path / "pool.jsonl"
    path.write_text("".join(json.dumps({"problem": q, "answer": a}) + "\n" for q, (a, _) in SCRIPT.items()))
    return path, load_problems(str(path))


def _sample(tiny_model, tiny_tokenizer, problems, out, samples=4, batch_size=8, **kw):
    generator = Scripted(str(tiny_model))
    config = SamplingConfig(samples=samples, prompt="bare", batch_size=batch_size, max_tokens=8)
    result = sample_candidates(
        None, tiny_tokenizer, problems, list(range(5)), config, out, generator=generator
    )
    return result, generator


def test_scores_ranks_and_label_check(tmp_path, pool, tiny_model, tiny_tokenizer):
    _, problems = pool
    result, generator = _sample(tiny_model, tiny_tokenizer, problems, tmp_path / "s")
    assert (result["generated"], result["reused"], generator.calls) == (20, 0, 20)
    candidates = score_candidates(problems, list(range(5)), result["records"])
    assert [c.pass_rate for c in candidates] == [1.0, 0.5, 0.0, 0.25, 0.0]
    assert [c.wrong_label for c in candidates] == [False, False, True, False, False]
    assert (candidates[2].majority_answer, candidates[2].majority_share) == ("3", 0.75)
    order = lambda method, **kw: [c.index for c in rank_candidates(candidates, method, **kw)]  # noqa: E731
    assert order("learnability") == [1, 3, 0, 4, 2]  # p(1-p); ties in order; the wrong label last
    assert order("learnability-target", target=0.25) == [3, 1, 4, 0, 2]
    assert order("learnability-band", band=(0.1, 0.9)) == [1, 3]
    # a stricter label check flags nothing: 3 of 4 is not more than 0.8
    assert not any(
        c.wrong_label for c in score_candidates(problems, range(5), result["records"], majority=0.8)
    )


def test_resume_generates_only_what_is_missing(tmp_path, pool, tiny_model, tiny_tokenizer):
    _, problems = pool
    out = tmp_path / "s"
    first, _ = _sample(tiny_model, tiny_tokenizer, problems, out)
    again, generator = _sample(tiny_model, tiny_tokenizer, problems, out)
    assert (again["generated"], again["reused"], generator.calls) == (0, 20, 0)
    # a killed run: 5 samples and half a line lost. Chunks of 8 (0-7, 8-15, 16-19): the second lacks one
    # sample and the third all, so both are made again (12 completions) and only the 5 missing are kept.
    lines = (out / "samples.jsonl").read_text().splitlines(keepends=True)
    (out / "samples.jsonl").write_text("".join(lines[:15]) + lines[15][:30])
    resumed, generator = _sample(tiny_model, tiny_tokenizer, problems, out)
    assert (resumed["reused"], generator.calls) == (15, 12)
    assert (out / "samples.jsonl").read_text().startswith("".join(lines[:15]))
    key = lambda rows: sorted((r["id"], r["sample"]) for r in rows)  # noqa: E731
    assert key(resumed["records"]) == key(first["records"]) and len(jsonl(out / "samples.jsonl")) == 20


def test_resume_with_another_protocol_is_refused_and_keeps_the_samples(
    tmp_path, pool, tiny_model, tiny_tokenizer
):
    _, problems = pool
    out = tmp_path / "s"
    _sample(tiny_model, tiny_tokenizer, problems, out)
    before = (out / "samples.jsonl").read_bytes()
    with pytest.raises(OneShotError, match=r"another protocol \(n 4 -> 3\); pass --overwrite"):
        _sample(tiny_model, tiny_tokenizer, problems, out, samples=3)
    assert (out / "samples.jsonl").read_bytes() == before


def test_bad_input(tmp_path, pool, tiny_model, tiny_tokenizer):
    _, problems = pool
    with pytest.raises(OneShotError, match="at least 2 samples"):
        _sample(tiny_model, tiny_tokenizer, problems, tmp_path / "s", samples=1)
    from oneshot_trl.data import load_problems

    path = tmp_path / "unlabelled.jsonl"
    path.write_text(json.dumps({"problem": "Q0", "answer": ""}) + "\n")
    with pytest.raises(OneShotError, match="row 0 of the pool has no answer"):
        sample_candidates(
            None, tiny_tokenizer, load_problems(str(path)), [0], SamplingConfig(), tmp_path / "u"
        )
    with pytest.raises(OneShotError, match="the pool is empty"):
        choose_candidates(0)
    with pytest.raises(OneShotError, match="--indices 9 is not a row"):
        choose_candidates(5, indices=[1, 9])
    with pytest.raises(OneShotError, match="pass one way"):
        choose_candidates(5, limit=2, subset=2)
    assert choose_candidates(5, limit=2) == [0, 1] and choose_candidates(5, indices=[3, 1, 3]) == [3, 1]
    assert choose_candidates(100, subset=5, seed=1) == choose_candidates(100, subset=5, seed=1)
    assert choose_candidates(100, subset=5, seed=1) != choose_candidates(100, subset=5, seed=2)
    with pytest.raises(OneShotError, match="--target 2"):
        rank_candidates([], "learnability-target", target=2)


def test_cli(tmp_path, capsys, pool, tiny_model):
    path, _ = pool
    base = ["select-examples", "--model", str(tiny_model), "--dataset", str(path), "--method", "learnability"]
    sampling = ["--samples", "2", "--max-tokens", "4", "--dtype", "float32", "--prompt", "bare"]
    out = tmp_path / "s"
    argv = [*base, *sampling, "--output-dir", str(out), "--indices", "1,3", "--format", "json"]
    code, stdout, err = run_cli(argv, capsys)
    assert code == 0, err
    assert sorted(r["index"] for r in json.loads(stdout)) == [1, 3]
    assert "2 candidates × 2 samples: 4 generations in" in err and "(0 reused" in err
    code, _, err = run_cli(argv, capsys)  # a rerun resumes: nothing sampled again
    assert code == 0 and "0 generations" in err and "(4 reused" in err
    before = (out / "samples.jsonl").read_bytes()
    bad = {
        "another protocol": [*argv[:-4], "--samples", "3", "--output-dir", str(out)],
        "at least 2 samples": [*base, "--samples", "1"],
        "model path not found": [*base[:2], str(tmp_path / "nope"), *base[3:], *sampling],
        "has no column 'answer'": [*base[:4], str(_unlabelled(tmp_path)), *base[5:], *sampling],
        "pass --model": ["select-examples", "--method", "learnability"],
    }
    for message, args in bad.items():
        code, _, err = run_cli(args, capsys)
        assert code == 2 and message in err and len(err.strip().splitlines()) == 1, (message, err)
    assert (out / "samples.jsonl").read_bytes() == before


def _unlabelled(tmp_path):
    path = tmp_path / "questions.jsonl"
    path.write_text(json.dumps({"problem": "Q1"}) + "\n")
    return path


def test_demo_select(tmp_path, tiny_model):
    """`oneshot demo --select`: a bad selector fails before anything runs; the other selectors give an
    order of every RL row (learnability by sampling the base, as select-examples does)."""
    import shutil

    from oneshot_trl.demo import DemoConfig, run_demo
    from oneshot_trl.demo_runs import rank_by_other_selector as _select_other

    for bad, message in (({"select": "best"}, "--select 'best'"), ({"select_samples": 1}, "at least 2")):
        with pytest.raises(OneShotError, match=message):  # the config refuses itself
            run_demo(DemoConfig(output_dir=str(tmp_path / "demo"), **{"select": "learnability", **bad}))
    assert not (tmp_path / "demo").exists()
    base = tmp_path / "base"
    shutil.copytree(tiny_model, base)
    (base / "rl.jsonl").write_text(
        "".join(json.dumps({"problem": f"What is {i} + 1?", "answer": str(i + 1)}) + "\n" for i in range(3))
    )
    config = DemoConfig(select="random")
    order = _select_other(str(base), config, str(tmp_path / "select"))
    assert sorted(order) == [0, 1, 2] and order == _select_other(str(base), config, str(tmp_path / "select"))
    config = DemoConfig(select="learnability", select_samples=2)
    assert sorted(_select_other(str(base), config, str(tmp_path / "select"))) == [0, 1, 2]
    assert len(jsonl(tmp_path / "select" / "samples.jsonl")) == 6
