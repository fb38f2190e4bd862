"""The evaluation protocol that reproduces the authors' numbers: their answer extraction, their dtype rule,
sampling knobs reaching the generator, the vLLM request, ARC, per-model presets (issue 17).

The expected answers in EXTRACTION_CASES are what the authors' own ``parser.py`` returns (its
``strip_string(extract_answer(text, name))``, run on these strings); ``benchmarks/check_harness_parity.py``
compares the two on thousands more when their harness is at hand.
"""

from __future__ import annotations

import json
import sys
import types

import pytest

from oneshot_trl.errors import OneShotError
from oneshot_trl.evaluation.extraction import harness_answer, strip_string
from oneshot_trl.evaluation.grading import grade_completion

from conftest import exit_code

# (completion, benchmark, the harness's answer): one or more per branch of extract_answer and strip_string
EXTRACTION_CASES = [
    (r"Thus $x = \boxed{\dfrac{3}{4}}$.", "math500", r"\frac{3}{4}"),  # last boxed; dfrac -> frac
    (r"so \boxed 5$ done", "math500", "5"),  # "\boxed 5": up to the next $
    (r"first \boxed{1}, finally \boxed{\{2, 3\}}", "math500", "{2,3}"),  # the LAST boxed; \{ -> {
    # Minerva form; trailing \text{}
    ("The final answer is $12\\text{ cm}$. I hope it is correct.", "minerva_math", "12"),
    # units kept
    ("The final answer is $3 \\times 10^8 m/s$. I hope it is correct.", "minerva_math", "3\\times10^8m/s"),
    # ...dropped elsewhere
    ("The final answer is $3 \\times 10^8 m/s$. I hope it is correct.", "math500", "3\\times10^8/"),
    ("So the answer is 42 apples.", "math500", "42"),  # "he answer is"; a unit word dropped
    # "final answer is"; leading ":" and trailing "." cut
    ("Therefore the final answer is: 7.", "aime24", "7"),
    ("Adding, 1,234 + 5 = 1,239", "amc23", "1239"),  # the last number, thousands commas removed
    ("no digits here", "math500", ""),  # nothing to read
    ("答案是 9\n\n其他", "math500", "9"),  # the Chinese trigger
    ("The answer is five", "math500", "5"),  # number words (word2number)
    ("The answer is 3/4", "math500", r"\frac{3}{4}"),  # a/b -> \frac{a}{b}
    ("The answer is \\$ 4.00", "math500", "4"),  # dollar sign and trailing zeros
    ("The answer is k = 7", "olympiadbench", "7"),  # a short "k =" prefix
    ("The answer is \\frac12", "math500", r"\frac{1}{2}"),  # \frac12 -> \frac{1}{2}
    ("The answer is 10\\%", "math500", "10"),  # percent sign
    ("The answer is a+b", "math500", "+b"),  # the harness's unit list holds "a": a quirk it scores with
    ("The answer is (B).", "arc_easy", "B"),  # choice letter after the trigger
    ("I think C. The answer is A", "arc_challenge", "A"),  # the letter after the trigger, not the last one
    ("Option D is right", "arc_easy", "D"),  # no trigger: the last standalone letter
]


@pytest.mark.parametrize("completion,benchmark,expected", EXTRACTION_CASES)
def test_harness_extraction_reads_what_the_authors_parser_reads(completion, benchmark, expected):
    assert harness_answer(completion, benchmark) == expected


def test_strip_string_keeps_units_only_when_asked():
    assert strip_string("7 m east") == "7" and strip_string("7 m east", keep_units=True) == "7meast"


def test_grade_completion_harness_vs_boxed():
    unboxed = "Adding the parts gives 12.80, so the answer is 12.80"
    assert grade_completion(unboxed, r"\frac{64}{5}", "math500") == ("12.80", True)
    assert grade_completion(unboxed, r"\frac{64}{5}", "math500", extraction="boxed") == (None, False)
    boxed = r"\boxed{\frac{64}{5}}"
    assert grade_completion(boxed, "12.8", "math500") == (r"\frac{64}{5}", True)
    assert grade_completion(boxed, "12.8", "math500", extraction="boxed") == (r"\frac{64}{5}", True)
    assert grade_completion("the answer is 13", "12.8", "math500") == ("13", False)
    # the gold as the harness cleans it also counts: "10\text{ inches}" is 10 once its unit goes
    assert grade_completion("the answer is 10", r"10\text{ inches}", "math500")[1] is True
    # R1-style: only what follows </think>; none, no answer
    assert grade_completion(r"<think>the answer is 3</think>so \boxed{4}", "4", "math500", think=True) == (
        "4",
        True,
    )
    assert grade_completion("<think>the answer is 4 but out of tokens", "4", "math500", think=True) == (
        None,
        False,
    )
    with pytest.raises(OneShotError, match="choose harness or boxed"):
        grade_completion("x", "1", "math500", extraction="last")


def test_the_gold_is_read_as_the_harness_reads_it():
    """parse_ground_truth (parser.py 576-660): on Minerva Math and MATH500 the gold is extract_answer of the
    solution, cleaned by strip_string (units kept on Minerva); before, Minerva's raw boxed text was used."""
    from oneshot_trl.evaluation.extraction import harness_gold

    solution = r"The speed is $v = \frac{d}{t}$, so \boxed{\frac{4 A}{3+3 i} e^{i t}}."
    assert harness_gold("unused", "minerva_math", solution) == r"\frac{4A}{3+3i}e^{it}"
    assert harness_gold(r"\frac{37}{4} m", "minerva_math") == r"\frac{37}{4}m"  # units stay, spaces go
    assert harness_gold(r"10\text{ inches}", "math500") == "10"
    assert harness_gold(r"\text{east}", "math500") == ""  # the unit list holds "east"
    assert harness_gold(r"\dfrac{1}{2}", "olympiadbench") == r"\frac{1}{2}"  # elsewhere: strip_string


@pytest.mark.parametrize(
    "gold,benchmark",
    [
        (r"\frac{37}{4} m", "minerva_math"),
        (r"\frac{4 A}{3+3 i} e^{i t}", "minerva_math"),
        (r"x^{\prime}+\frac{r}{V} x-r c=0", "minerva_math"),
        (r"\lambda_{\text {red}} / \sqrt{2}", "minerva_math"),
        (r"\text{east}", "math500"),
    ],
)
def test_a_boxed_gold_is_right_under_the_harness_rule(gold, benchmark):
    """The five golds that the raw-gold comparison graded wrong, and MATH500's \\text{east}."""
    answer, correct = grade_completion(f"The final answer is $\\boxed{{{gold}}}$.", gold, benchmark)
    assert correct is True, answer
    assert answer != r"\lambda_{"  # read whole (the harness's second cleaning would cut it open)


def test_an_answer_cleaned_to_nothing_is_right_only_where_the_gold_is_too():
    """math_equal's first test is string equality of the cleaned answer and gold, "" == "" included."""
    assert grade_completion("I cannot tell.", r"\text{east}", "math500") == ("", True)
    assert grade_completion("I cannot tell.", "4", "math500") == (None, False)
    assert grade_completion(r"\boxed{\text{west}}", r"\text{east}", "math500") == ("", True)


def test_every_gold_of_the_six_sets_boxed_is_right_under_both_rules(shared_data):
    """All 1,547 golds, each boxed exactly, graded correct by `oneshot eval`'s grading with --extraction
    harness (the row's solution passed, as the evaluator does) and with boxed."""
    wrong = []
    for name in ("math500", "aime24", "aime25", "amc23", "minerva_math", "olympiadbench"):
        for line in (shared_data / f"eval_{name}.jsonl").open():
            row = json.loads(line)
            text = f"The final answer is $\\boxed{{{row['answer']}}}$."
            for extraction in ("harness", "boxed"):
                _, correct = grade_completion(
                    text, row["answer"], name, extraction, retry_timeout=10.0, solution=row.get("solution")
                )
                if correct is not True:
                    wrong.append((name, extraction, row["answer"]))
    assert wrong == []


def test_choice_grading_compares_letters():
    assert grade_completion("The answer is (C).", "C", "arc_easy") == ("C", True)
    assert grade_completion("The answer is (C).", "B", "arc_easy") == ("C", False)
    assert grade_completion(r"so \boxed{\text{(B)}}", "B", "arc_easy", extraction="boxed") == ("B", True)
    assert grade_completion("The answer is (C).", "C", "arc_easy", extraction="boxed") == (None, False)


def test_arc_fixture_loads_with_lettered_choices(data_dir):
    from oneshot_trl.evaluation.benchmarks import load_benchmark, parse_benchmarks

    spec = parse_benchmarks("arc_easy", data_dir)[0]
    assert spec.choices and spec.hub_config == "ARC-Easy"
    rows = load_benchmark(spec, data_dir)
    assert rows[0]["problem"].endswith(
        "Answer Choices: (A) Planetary density will decrease. (B) Planetary years will "
        "become longer. (C) Planetary days will become shorter. (D) Planetary gravity "
        "will become stronger."
    )
    assert [r["answer"] for r in rows] == ["C", "B", "D", "B"]  # the row labelled 1-4 is lettered A-D
    assert "(D) an iron nail" in rows[2]["problem"]


def test_oneshot_eval_on_arc_fixture(tiny_model, data_dir, tmp_path):
    out = tmp_path / "arc"
    assert (
        exit_code(
            [
                "eval",
                "--model",
                str(tiny_model),
                "--data-dir",
                str(data_dir),
                "--benchmarks",
                "arc_easy",
                "--max-tokens",
                "4",
                "--output-dir",
                str(out),
            ]
        )
        == 0
    )
    summary = json.loads((out / "summary.json").read_text())["benchmarks"]["arc_easy"]
    assert summary["problems"] == 4 and summary["protocol"]["extraction"] == "harness"
    samples = [json.loads(line) for line in (out / "samples.jsonl").read_text().splitlines()]
    for (
        s
    ) in samples:  # each graded by the choice rule: correct exactly when the letter read is the gold letter
        assert s["correct"] == (harness_answer(s["completion"], "arc_easy") == s["gold"])


def _save_config(path, dtype):
    from transformers import Qwen2Config

    Qwen2Config(
        hidden_size=8,
        intermediate_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        num_key_value_heads=2,
        vocab_size=32,
        dtype=dtype,
    ).save_pretrained(path)


@pytest.mark.parametrize(
    "saved,expected", [("float32", "float16"), ("bfloat16", "bfloat16"), ("float16", "float16")]
)
def test_auto_dtype_is_vllms_rule(tmp_path, saved, expected):
    from oneshot_trl.modeling import generation_dtype

    _save_config(tmp_path, saved)
    assert generation_dtype(str(tmp_path)) == expected
    assert generation_dtype(str(tmp_path), "float32") == "float32"  # an explicit choice wins
    with pytest.raises(OneShotError, match="choose auto, harness, float32, float16, bfloat16"):
        generation_dtype(str(tmp_path), "fp8")


def test_the_harness_dtype_rule_runs_a_trained_model_in_float16(tmp_path):
    """The authors' RL checkpoints were float32 saves (verl's actor) that vLLM's auto ran in float16; a
    model trained here is saved in its training dtype, so the paper preset's rule says float16 for it."""
    from oneshot_trl.modeling import generation_dtype

    _save_config(tmp_path, "bfloat16")
    assert generation_dtype(str(tmp_path), "harness") == "bfloat16"  # a base model: vLLM's auto
    (tmp_path / "trainer_state.json").write_text("{}")  # a checkpoint-* of `oneshot train`
    assert generation_dtype(str(tmp_path), "harness") == "float16"
    assert generation_dtype(str(tmp_path), "auto") == "bfloat16"  # auto alone keeps the saved dtype


class _RecordingModel:
    """Stands in for a causal LM: records generate's keyword arguments, returns the prompt plus one token."""

    def __init__(self):
        import torch

        self.calls, self._param = [], torch.nn.Parameter(torch.zeros(1))

    def parameters(self):
        yield self._param

    def generate(self, input_ids, attention_mask=None, **kwargs):
        import torch

        self.calls.append(kwargs)
        return torch.cat([input_ids, torch.full((input_ids.shape[0], 1), kwargs["eos_token_id"][0])], dim=1)


@pytest.mark.parametrize("top_k,expected", [(-1, 0), (20, 20)])
def test_top_k_reaches_generate(tiny_tokenizer, top_k, expected):
    from oneshot_trl.evaluation.generation import HFGenerator

    model = _RecordingModel()
    HFGenerator(model, tiny_tokenizer).generate(
        ["1+1="], sample_index=0, temperature=0.6, top_p=0.9, top_k=top_k, max_tokens=3, seed=0
    )
    # -1 (off, as vLLM) becomes HF's 0 (off); were it left out, generate would use generation_config's 50
    assert (
        model.calls[-1]["top_k"] == expected
        and model.calls[-1]["top_p"] == 0.9
        and model.calls[-1]["do_sample"]
    )
    HFGenerator(model, tiny_tokenizer).generate(
        ["1+1="], sample_index=0, temperature=0.0, top_p=0.9, top_k=top_k, max_tokens=3, seed=0
    )
    assert model.calls[-1]["do_sample"] is False and "top_k" not in model.calls[-1]


class _TextModel(_RecordingModel):
    """Generates the given text, then the end-of-sequence token."""

    def __init__(self, tokenizer, text):
        super().__init__()
        self.ids = tokenizer(text, add_special_tokens=False)["input_ids"]

    def generate(self, input_ids, attention_mask=None, **kwargs):
        import torch

        self.calls.append(kwargs)
        tail = torch.tensor([self.ids + [kwargs["eos_token_id"][0]]] * input_ids.shape[0])
        return torch.cat([input_ids, tail], dim=1)


def test_generation_stops_on_the_text_of_the_harness_stop_words(tiny_tokenizer):
    """math_eval.py line 237 stops on "</s>" too, as text (no special token in Qwen's vocabulary)."""
    from oneshot_trl.evaluation.generation import HFGenerator

    model = _TextModel(tiny_tokenizer, "so 12</s>34 more")
    out = HFGenerator(model, tiny_tokenizer).generate(
        ["1+1="], sample_index=0, temperature=0.0, top_p=1.0, max_tokens=32, seed=0
    )
    assert out[0][0] == "so 12"
    assert "</s>" in model.calls[-1]["stop_strings"] and model.calls[-1]["tokenizer"] is tiny_tokenizer


def test_hf_generate_accepts_the_stop_strings(tiny_model, tiny_tokenizer):
    from transformers import AutoModelForCausalLM

    from oneshot_trl.evaluation.generation import HFGenerator

    model = AutoModelForCausalLM.from_pretrained(tiny_model)
    out = HFGenerator(model, tiny_tokenizer).generate(
        ["1+1=", "2+2="], sample_index=0, temperature=0.0, top_p=1.0, max_tokens=8, seed=0
    )
    assert len(out) == 2 and all("</s>" not in text for text, _ in out)


@pytest.fixture
def fake_vllm(monkeypatch):
    """A stand-in ``vllm`` module that records the engine's arguments and each request (no GPU needed)."""
    record = {"engines": [], "requests": []}

    class SamplingParams:
        def __init__(self, **kwargs):
            self.kwargs = kwargs

    class LLM:
        def __init__(self, **kwargs):
            record["engines"].append(kwargs)

        def generate(self, prompts, params):
            record["requests"].append((list(prompts), params.kwargs))
            out = types.SimpleNamespace(text=r"so \boxed{2}", token_ids=[1, 2, 3])
            return [types.SimpleNamespace(outputs=[out]) for _ in prompts]

    monkeypatch.setitem(sys.modules, "vllm", types.SimpleNamespace(LLM=LLM, SamplingParams=SamplingParams))
    return record


def test_vllm_requests(fake_vllm, tiny_model, tiny_tokenizer):
    from oneshot_trl.evaluation.generation import VLLMGenerator

    generator = VLLMGenerator(str(tiny_model), tiny_tokenizer)
    assert fake_vllm["engines"] == [
        {
            "model": str(tiny_model),
            "tokenizer": str(tiny_model),
            "dtype": "float16",
            "seed": 0,
            "max_model_len": None,
        }
    ]
    sampled = generator.generate(
        ["p1", "p2"], sample_index=3, temperature=0.6, top_p=0.95, top_k=-1, max_tokens=64, seed=100
    )
    assert sampled == [(r"so \boxed{2}", 3)] * 2
    assert fake_vllm["requests"][-1] == (
        ["p1", "p2"],
        {
            "temperature": 0.6,
            "top_p": 0.95,
            "top_k": -1,
            "max_tokens": 64,
            "seed": 103,
            "stop": ["</s>", "<|im_end|>", "<|endoftext|>"],
            "stop_token_ids": generator.stop_ids,
        },
    )
    generator.generate(["p"], sample_index=0, temperature=0.0, top_p=0.95, top_k=20, max_tokens=8, seed=0)
    assert fake_vllm["requests"][-1][1] | {"stop_token_ids": None} == {
        "temperature": 0.0,
        "top_p": 1.0,
        "top_k": -1,
        "max_tokens": 8,
        "seed": 0,
        "stop": ["</s>", "<|im_end|>", "<|endoftext|>"],
        "stop_token_ids": None,
    }


def test_vllm_backend_loads_no_hf_model(fake_vllm, tiny_model, shared_data, tmp_path, monkeypatch):
    import transformers

    def refuse(*args, **kwargs):
        raise AssertionError("the vLLM backend must not load the HF model")

    monkeypatch.setattr(transformers.AutoModelForCausalLM, "from_pretrained", refuse)
    out = tmp_path / "eval"
    assert (
        exit_code(
            [
                "eval",
                "--model",
                str(tiny_model),
                "--backend",
                "vllm",
                "--data-dir",
                str(shared_data),
                "--benchmarks",
                "aime24",
                "--limit",
                "2",
                "--output-dir",
                str(out),
            ]
        )
        == 0
    )
    assert len(fake_vllm["engines"]) == 1
    summary = json.loads((out / "summary.json").read_text())["benchmarks"]["aime24"]
    assert summary["protocol"]["dtype"] == "float16" and summary["samples_per_problem"] == 8
    protocol = json.loads((out / "protocol.json").read_text())
    assert protocol["model"]["path"] == str(tiny_model.resolve())


def test_presets(tiny_model, shared_data, tmp_path, capsys):
    from oneshot_trl.evaluation.benchmarks import parse_benchmarks
    from oneshot_trl.evaluation.presets import PRESETS, get_preset

    r1 = get_preset("r1-distill-1.5b-8k")
    specs = {s.name: s for s in r1.apply(parse_benchmarks("math500,aime24,minerva_math,arc_easy"))}
    assert (specs["math500"].n, specs["math500"].temperature, specs["math500"].top_p) == (16, 0.6, 0.95)
    assert specs["aime24"].n == 64 and specs["minerva_math"].n == 16
    # Not named by the preset: unchanged
    assert specs["arc_easy"].n == 1 and specs["arc_easy"].temperature == 0.0
    assert r1.max_tokens == 8192 and PRESETS["r1-distill-1.5b-32k"].max_tokens == 32768
    # the authors' rllm-style evaluation: rllm's prompt, the last boxed answer of the whole response
    # (main_generation.py 177-181: use_think=False for a "qwen" model path), vLLM rollout in bfloat16
    assert (r1.prompt, r1.extraction, r1.think, r1.dtype) == ("train", "boxed", False, "bfloat16")
    assert PRESETS["qwen2.5-math"].dtype == "harness" and PRESETS["qwen2.5-math"].extraction is None
    assert PRESETS["llama-3.2-3b-instruct"].prompt == "bare"
    with pytest.raises(OneShotError, match="choose qwen2.5-math, r1-distill-1.5b-8k"):
        get_preset("r1")
    out = tmp_path / "e"
    # an explicit option wins over the preset's (--n 2 instead of 16, --max-tokens 4 instead of 8192)
    assert (
        exit_code(
            [
                "eval",
                "--model",
                str(tiny_model),
                "--preset",
                "r1-distill-1.5b-8k",
                "--data-dir",
                str(shared_data),
                "--benchmarks",
                "math500",
                "--limit",
                "1",
                "--n",
                "2",
                "--max-tokens",
                "4",
                "--output-dir",
                str(out),
                "--dtype",
                "float32",
            ]
        )
        == 0
    )
    protocol = json.loads((out / "summary.json").read_text())["benchmarks"]["math500"]["protocol"]
    assert (protocol["n"], protocol["temperature"], protocol["top_p"], protocol["max_tokens"]) == (
        2,
        0.6,
        0.95,
        4,
    )
    assert protocol["prompt"] == "train" and protocol["dtype"] == "float32"
    assert protocol["extraction"] == "boxed"
    assert json.loads((out / "protocol.json").read_text())["benchmarks"]["math500"]["think"] is False
    # without --dtype, the preset's: bfloat16 for R1
    args = [
        "eval",
        "--model",
        str(tiny_model),
        "--preset",
        "r1-distill-1.5b-8k",
        "--data-dir",
        str(shared_data),
    ]
    args += ["--benchmarks", "math500", "--limit", "1", "--n", "1", "--max-tokens", "2"]
    assert exit_code([*args, "--output-dir", str(tmp_path / "bf16")]) == 0
    summary = json.loads((tmp_path / "bf16" / "summary.json").read_text())
    assert summary["benchmarks"]["math500"]["protocol"]["dtype"] == "bfloat16"
    capsys.readouterr()
    assert exit_code(["eval", "--help"]) == 0
    assert "r1-distill-1.5b-32k" in capsys.readouterr().out.replace("\n", "").replace("│", "").replace(
        " ", ""
    )


def test_paper_recipe_validates_as_the_authors():
    from oneshot_trl.config import RunConfig, load_recipe

    paper = load_recipe("paper-qwen2.5-math-1.5b")
    assert (
        paper["eval_every"],
        paper["eval_before_train"],
        paper["eval_benchmarks"],
        paper["eval_prompt"],
    ) == (20, True, "math500", "bare")
    assert RunConfig().eval_samples == 1  # greedy
    for recipe in ("tiny-cpu", "testbed-cpu"):
        assert load_recipe(recipe).get("eval_every", RunConfig().eval_every) == 0  # off in the CPU recipes


def test_one_item_list_answers_are_read_as_their_item(tmp_path):
    from oneshot_trl.data import load_problems

    path = tmp_path / "olympiad.jsonl"
    path.write_text(json.dumps({"problem": "p", "answer": ["$\\frac{1}{2}$"]}) + "\n")
    assert load_problems(str(path))[0]["answer"] == "$\\frac{1}{2}$"  # not "['$\\frac{1}{2}$']"
    assert grade_completion("the answer is 0.5", "$\\frac{1}{2}$", "olympiadbench") == ("0.5", True)
    # An empty gold: ungraded
    assert grade_completion("the answer is 0.5", "", "olympiadbench") == ("0.5", None)
