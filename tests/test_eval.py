"""Evaluation: pass@k against exact arithmetic, the paper's protocol, generation, resume, sweeps, compare,
and in-training validation, through the CLI on the tiny model with the real benchmark files."""

from __future__ import annotations

import csv
import json
from fractions import Fraction
from math import comb

import pytest
import torch

from oneshot_trl.errors import OneShotError
from oneshot_trl.evaluation import BENCHMARKS, pass_at_k
from oneshot_trl.evaluation.benchmarks import load_benchmark, parse_benchmarks
from oneshot_trl.evaluation.metrics import summarize

from conftest import exit_code


@pytest.mark.parametrize("n", [1, 2, 5, 8, 16, 64, 100, 256])
def test_pass_at_k_matches_exact_arithmetic(n):
    for c in range(0, n + 1, max(1, n // 7)):
        for k in sorted(k for k in {1, 2, n // 2 or 1, n - 1 or 1, n} if k <= n):
            exact = 1 - Fraction(comb(n - c, k), comb(n, k))
            assert pass_at_k(n, c, k) == pytest.approx(float(exact), abs=1e-12), (n, c, k)


def test_pass_at_k_is_stable_at_large_n_and_rejects_bad_input():
    assert 0 < pass_at_k(1024, 1, 512) <= 1 and pass_at_k(1024, 1, 512) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        pass_at_k(8, 9, 1)
    with pytest.raises(ValueError):
        pass_at_k(8, 2, 9)


def test_summary_avg_and_pass_at_k():
    records = [
        {"id": "a", "correct": c, "answer": "1", "tokens": 10, "completion": "rethink"} for c in (1, 0, 0, 0)
    ]
    records += [
        {"id": "b", "correct": c, "answer": None, "tokens": 20, "completion": "x"} for c in (1, 1, 1, 1)
    ]
    s = summarize(records, [1, 2, 8])
    assert s["accuracy"] == pytest.approx((0.25 + 1.0) / 2)  # avg@4
    assert s["pass@1"] == pytest.approx(s["accuracy"])
    assert s["pass@2"] == pytest.approx((0.5 + 1.0) / 2)
    assert "pass@8" not in s  # k > n is not reported
    assert s["no_answer_rate"] == 0.5 and s["mean_tokens"] == 15 and s["reflection_rate"] == 0.5
    assert s["answered_accuracy"] == 0.25  # b's samples have no answer: only a's four count


def test_protocol_defaults_are_the_papers():
    protocol = {name: (s.n, s.temperature, s.top_p) for name, s in BENCHMARKS.items()}
    assert protocol == {
        "math500": (1, 0.0, 1.0),
        "minerva_math": (1, 0.0, 1.0),
        "olympiadbench": (1, 0.0, 1.0),
        "aime24": (8, 0.6, 1.0),
        "aime25": (8, 0.6, 1.0),
        "amc23": (8, 0.6, 1.0),
        "arc_easy": (1, 0.0, 1.0),
        "arc_challenge": (1, 0.0, 1.0),
    }
    assert {s.extraction for s in BENCHMARKS.values()} == {"harness"}
    from oneshot_trl.evaluation.benchmarks import MAX_TOKENS
    from oneshot_trl.evaluation.evaluator import EvalConfig

    assert MAX_TOKENS == 3072 and EvalConfig().prompt == "qwen25-math-cot"
    with pytest.raises(OneShotError, match="would all be the same"):
        EvalConfig(n=4).protocol(BENCHMARKS["math500"])


def test_left_padded_batches_generate_what_single_prompts_do(tiny_model):
    from oneshot_trl.evaluation.evaluator import load_model
    from oneshot_trl.evaluation.generation import HFGenerator, stop_token_ids

    model, tok = load_model(str(tiny_model))
    tok.padding_side = "right"  # generation pads on the left and must put this back
    assert stop_token_ids(tok) == [
        tok.convert_tokens_to_ids("<|im_end|>"),
        tok.convert_tokens_to_ids("<|endoftext|>"),
    ]
    prompts = ["What is 1+1?", "A much longer prompt: what is 12 + 30 + 7 + 9?", "x"]
    kwargs = dict(sample_index=0, temperature=0.0, top_p=1.0, max_tokens=6, seed=0)
    batched = HFGenerator(model, tok, batch_size=3).generate(prompts, **kwargs)
    single = [HFGenerator(model, tok, batch_size=1).generate([p], **kwargs)[0] for p in prompts]
    assert batched == single
    assert tok.padding_side == "right"  # restored
    torch.manual_seed(5)
    expected = torch.rand(3)
    torch.manual_seed(5)
    HFGenerator(model, tok, batch_size=3).generate(prompts, **{**kwargs, "temperature": 1.0})
    # A check during training leaves training's random stream alone
    assert torch.equal(torch.rand(3), expected)


def test_eval_cli_on_real_files_writes_samples_and_resumes(tiny_model, shared_data, tmp_path, capsys):
    out = tmp_path / "eval"
    argv = [
        "eval",
        "--model",
        str(tiny_model),
        "--data-dir",
        str(shared_data),
        "--benchmarks",
        "math500,amc23",
        "--limit",
        "3",
        "--max-tokens",
        "6",
        "--k",
        "1,8",
        "--output-dir",
        str(out),
    ]
    assert exit_code(argv) == 0
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    assert len(samples) == 3 * 1 + 3 * 8  # MATH500 greedy, AMC23 avg@8
    assert set(samples[0]) == {
        "benchmark",
        "id",
        "sample",
        "completion",
        "answer",
        "gold",
        "correct",
        "graded",
        "tokens",
    }
    summary = json.loads((out / "summary.json").read_text())
    # the paper's protocol, the authors' extraction, and the authors' dtype rule (fp32 weights -> fp16)
    assert summary["benchmarks"]["amc23"]["protocol"] == {
        "n": 8,
        "temperature": 0.6,
        "top_p": 1.0,
        "top_k": -1,
        "max_tokens": 6,
        "prompt": "qwen25-math-cot",
        "extraction": "harness",
        "dtype": "float16",
    }
    assert "pass@8" in summary["benchmarks"]["amc23"] and "pass@8" not in summary["benchmarks"]["math500"]
    # each score with its 95% interval and sample sizes: Wilson for greedy, the bootstrap for avg@8
    math, amc = summary["benchmarks"]["math500"], summary["benchmarks"]["amc23"]
    assert (math["ci_method"], amc["ci_method"]) == ("wilson", "bootstrap")
    assert (amc["problems"], amc["samples_per_problem"], len(amc["correct_per_problem"])) == (3, 8, 3)
    for b in (math, amc):
        assert b["accuracy_ci"][0] <= b["accuracy"] <= b["accuracy_ci"][1]
    assert amc["pass@8_ci"][0] <= amc["pass@8"] <= amc["pass@8_ci"][1]
    assert summary["average_ci"][0] <= summary["average"] <= summary["average_ci"][1]
    assert summary["average_problems"] == 6
    assert "math500" in capsys.readouterr().out
    # resume: drop the last 5 samples (as a killed run would), rerun, get exactly them back
    lines = (out / "samples.jsonl").read_text().splitlines(keepends=True)
    (out / "samples.jsonl").write_text("".join(lines[:-5]) + lines[-5][:10])  # and a partial line
    assert exit_code(argv) == 0
    again = [
        json.loads(line)
        for line in (out / "samples.jsonl").read_text().splitlines()
        if line.startswith('{"') and line.endswith("}")
    ]
    keys = [(r["benchmark"], r["id"], r["sample"]) for r in again]
    assert len(set(keys)) == 27
    regenerated = {(r["benchmark"], r["id"], r["sample"]): r["completion"] for r in again[-5:]}
    original = {(r["benchmark"], r["id"], r["sample"]): r["completion"] for r in samples}
    assert all(original[k] == v for k, v in regenerated.items())  # seeded per sample: the same completions


def test_resume_refuses_another_protocol_or_model(tiny_model, shared_data, tmp_path, capsys):
    import shutil

    out = tmp_path / "eval"
    argv = [
        "eval",
        "--data-dir",
        str(shared_data),
        "--benchmarks",
        "math500",
        "--limit",
        "2",
        "--output-dir",
        str(out),
    ]
    assert exit_code(argv[:1] + ["--model", str(tiny_model)] + argv[1:] + ["--max-tokens", "4"]) == 0
    first = (out / "samples.jsonl").read_text()
    capsys.readouterr()
    for change in (
        ["--max-tokens", "9"],
        ["--max-tokens", "4", "--prompt", "train"],
        ["--max-tokens", "4", "--seed", "1"],
        ["--max-tokens", "4", "--top-p", "0.5"],
        ["--max-tokens", "4", "--extraction", "boxed"],
        ["--max-tokens", "4", "--dtype", "float32"],
    ):
        assert exit_code(argv[:1] + ["--model", str(tiny_model)] + argv[1:] + change) == 2
        err = capsys.readouterr().err
        assert (
            "made with another protocol" in err
            and "--overwrite" in err
            and len(err.strip().splitlines()) == 1
        )
        assert (out / "samples.jsonl").read_text() == first  # nothing written so far is lost
    # the same path, retrained (other weights): refused too
    other = tmp_path / "model"
    shutil.copytree(tiny_model, other)
    assert (
        exit_code(
            argv[:1]
            + ["--model", str(other)]
            + argv[1:]
            + ["--max-tokens", "4", "--output-dir", str(tmp_path / "e2")]
        )
        == 0
    )
    # Rewritten: new mtime
    (other / "model.safetensors").write_bytes((other / "model.safetensors").read_bytes())
    assert (
        exit_code(
            argv[:1]
            + ["--model", str(other)]
            + argv[1:]
            + ["--max-tokens", "4", "--output-dir", str(tmp_path / "e2")]
        )
        == 2
    )
    assert "made by another model" in capsys.readouterr().err
    # --overwrite starts over with the new protocol, and the summary says what was done
    assert (
        exit_code(argv[:1] + ["--model", str(tiny_model)] + argv[1:] + ["--max-tokens", "9", "--overwrite"])
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())
    assert summary["benchmarks"]["math500"]["protocol"]["max_tokens"] == 9
    assert json.loads((out / "protocol.json").read_text())["benchmarks"]["math500"]["max_tokens"] == 9


def test_sharded_evaluation_merges_to_the_whole(tiny_model, shared_data):
    """What each rank of in-training validation does: its share of the problems, then one merged summary."""
    from oneshot_trl.evaluation.evaluator import EvalConfig, evaluate, load_model, merge_shards

    model, tok = load_model(str(tiny_model))
    specs = parse_benchmarks("math500,amc23", str(shared_data))
    config = EvalConfig(
        n=1, temperature=0.0, max_tokens=4, ks=[1], limit=5, data_dir=str(shared_data), batch_size=2
    )
    whole = evaluate(model, tok, specs, config)
    parts = [evaluate(model, tok, specs, config, shard=(rank, 3)) for rank in range(3)]
    # 5 problems over 3 ranks, padding dropped
    assert [len(p["records"]["math500"]) for p in parts] == [2, 2, 1]
    merged = merge_shards([p["records"] for p in parts], config)
    for name in ("math500", "amc23"):
        for key in ("accuracy", "no_answer_rate", "mean_tokens", "problems"):
            assert merged["benchmarks"][name][key] == pytest.approx(whole["benchmarks"][name][key])
    assert merged["average"] == pytest.approx(whole["average"])


def test_local_benchmarks_by_name_from_the_data_dir(tmp_path):
    (tmp_path / "eval_mine.jsonl").write_text(json.dumps({"problem": "1+1?", "answer": "2"}) + "\n")
    [mine, math500] = parse_benchmarks("mine,math500", tmp_path)
    assert (mine.name, mine.n, mine.greedy) == (
        "mine",
        1,
        True,
    ) and math500.hub_id == "HuggingFaceH4/MATH-500"
    assert load_benchmark(mine, tmp_path)["answer"] == ["2"]
    with pytest.raises(OneShotError, match=r"unknown benchmark\(s\) other; .* or an eval_<name>.jsonl in"):
        parse_benchmarks("other", tmp_path)


def test_bad_eval_input(tmp_path, capsys, tiny_model):
    assert exit_code(["eval", "--model", str(tiny_model), "--benchmarks", "gsm8k"]) == 2
    assert "unknown benchmark(s) gsm8k" in capsys.readouterr().err
    assert (
        exit_code(
            ["eval", "--model", str(tiny_model), "--data-dir", str(tmp_path), "--benchmarks", "math500"]
        )
        == 2
    )
    assert "eval_math500.jsonl not found" in capsys.readouterr().err
    assert (
        exit_code(["eval", "--model", str(tiny_model), "--backend", "vllm", "--data-dir", str(tmp_path)]) == 2
    )
    assert "vLLM" in capsys.readouterr().err


@pytest.mark.slow
def test_in_training_checks_generate_in_the_given_batch(tiny_model, shared_data, tmp_path, monkeypatch):
    """``--eval_batch_size`` reaches the check's generator: each generate call gets that many prompts."""
    from oneshot_trl.evaluation import callback, generation

    in_check, calls = [False], []
    real_generate, real_evaluate = generation.HFGenerator.generate, callback.evaluate

    def counting(self, prompts, **kwargs):
        if in_check[0]:  # training's own generation goes through the same generator
            calls.append(len(prompts))
        return real_generate(self, prompts, **kwargs)

    def checking(*args, **kwargs):
        in_check[0] = True
        try:
            return real_evaluate(*args, **kwargs)
        finally:
            in_check[0] = False

    monkeypatch.setattr(generation.HFGenerator, "generate", counting)
    monkeypatch.setattr(callback, "evaluate", checking)
    args = ["train", "--model", str(tiny_model), "--dataset", str(shared_data / "dsr_sub_1209.jsonl")]
    args += ["--recipe", "tiny-cpu", "--example-id", "pi1", "--output-dir", str(tmp_path / "run")]
    args += ["--max-steps", "1", "--eval-every", "1", "--eval-limit", "3", "--eval_samples", "4"]
    args += ["--eval-data-dir", str(shared_data), "--eval_max_tokens", "2", "--eval_batch_size", "5"]
    args += ["--eval_before_train", "false"]
    assert exit_code(args) == 0
    assert calls == [5, 5, 2]  # 3 problems x 4 samples at step 1, in calls of at most 5


@pytest.mark.slow
def test_sweep_compare_and_in_training_validation(tiny_model, shared_data, tmp_path):
    run = tmp_path / "run"
    assert (
        exit_code(
            [
                "train",
                "--model",
                str(tiny_model),
                "--dataset",
                str(shared_data / "dsr_sub_1209.jsonl"),
                "--recipe",
                "tiny-cpu",
                "--example-id",
                "pi1",
                "--output-dir",
                str(run),
                "--max-steps",
                "4",
                "--save_steps",
                "2",
                "--eval-every",
                "2",
                "--eval-limit",
                "2",
                "--eval-data-dir",
                str(shared_data),
                "--eval_max_tokens",
                "4",
            ]
        )
        == 0
    )
    metrics = [json.loads(line) for line in (run / "metrics.jsonl").read_text().splitlines()]
    # Step 0: the check before training (verl's val_before_train)
    assert [m["step"] for m in metrics] == [0, 1, 2, 3, 4]
    # Then the check shares a step's row
    assert [("eval/math500/accuracy" in m) for m in metrics] == [True, False, True, False, True]

    assert (
        exit_code(
            [
                "eval",
                "--model",
                str(run),
                "--data-dir",
                str(shared_data),
                "--benchmarks",
                "math500,aime24",
                "--limit",
                "2",
                "--max-tokens",
                "4",
                "--n",
                "2",
                "--temperature",
                "1.0",
            ]
        )
        == 0
    )
    rows = list(csv.DictReader((run / "eval" / "sweep.csv").open()))
    # The base model is step 0, as the paper's curves start
    assert [int(r["step"]) for r in rows] == [0, 2, 4]
    protocols = {
        name: json.loads((run / "eval" / name / "protocol.json").read_text())
        for name in ("base", "checkpoint-2", "checkpoint-4")
    }
    assert protocols["base"]["model"]["path"] == str(tiny_model.resolve())
    # One dtype rule for every step
    assert {p["benchmarks"]["math500"]["dtype"] for p in protocols.values()} == {"float16"}
    assert {"average", "math500/accuracy", "aime24/accuracy"} <= set(rows[0])
    for row in rows:  # every step's scores with their 95% interval (the band of sweep.png)
        for name in ("average", "math500/accuracy", "aime24/accuracy"):
            assert float(row[f"{name}_low"]) <= float(row[name]) <= float(row[f"{name}_high"])
    assert rows[0]["aime24/problems"] == "2" and rows[0]["aime24/samples_per_problem"] == "2"
    assert (run / "eval" / "sweep.png").read_bytes()[:4] == b"\x89PNG"
    best = max(rows, key=lambda r: float(r["average"]))  # the step with the best average, first on ties
    choice = json.loads((run / "eval" / "sweep.json").read_text())
    assert choice["best_step"] == int(best["step"]) and choice["last_step"] == 4
    assert {"gap", "gap_ci"} <= set(choice["runner_up"]) and choice["heldout_pick"]["step"] in (0, 2, 4)

    png = tmp_path / "passk.png"
    assert (
        exit_code(
            [
                "eval",
                "compare",
                str(run / "eval" / "checkpoint-2"),
                str(run / "eval" / "checkpoint-4"),
                "--k",
                "1..2",
                "--output",
                str(png),
            ]
        )
        == 0
    )
    assert png.read_bytes()[:4] == b"\x89PNG"


def test_in_training_validation_is_an_eval_config_made_from_the_flags():
    """One definition of the evaluation settings: the in-training `eval_*` options are EvalConfig's fields
    (their help starts with EvalConfig's), and the callback evaluates with the EvalConfig they make."""
    from dataclasses import fields

    from oneshot_trl.config import RunConfig
    from oneshot_trl.evaluation.callback import IN_TRAINING
    from oneshot_trl.evaluation.evaluator import EvalConfig
    from oneshot_trl.parsing import parse_configs

    helps = {f.name: f.metadata["help"] for f in fields(RunConfig)}
    for name, (flag, _, _) in IN_TRAINING.items():
        assert helps[flag].startswith(next(f.metadata["help"] for f in fields(EvalConfig) if f.name == name))
    argv = ["--eval_samples", "4", "--eval-max-tokens", "9", "--eval_limit", "3", "--eval_batch_size", "5"]
    run, _ = parse_configs("tiny-cpu", argv=argv)
    config = run.eval_config("bare", think=True)
    assert config == EvalConfig(
        n=4,
        temperature=1.0,
        max_tokens=9,
        ks=[1],
        prompt="bare",
        limit=3,
        extraction="boxed",
        think=True,
        batch_size=5,
    )
    run, _ = parse_configs("tiny-cpu", argv=["--eval_prompt", "qwen25-math-cot"])
    greedy = run.eval_config("train", think=False)
    assert (greedy.n, greedy.temperature, greedy.prompt, greedy.max_tokens) == (
        1,
        0.0,
        "qwen25-math-cot",
        3072,
    )
