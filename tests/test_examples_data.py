"""The π registry, example-id parsing, dataset loaders, the 1-shot layout and the prompt text."""

from __future__ import annotations

import json

import pytest
from datasets import Dataset

from oneshot_trl.data import build_full_set, build_training_set, load_problems
from oneshot_trl.errors import OneShotError
from oneshot_trl.examples import PI_TO_INDEX, ExampleRef, parse_example_ids
from oneshot_trl.prompts import TRAIN_SUFFIX, qwen25_math_cot_messages, render_prompt, train_messages


def test_registry_matches_the_papers_examples(shared_data):
    named = [json.loads(line) for line in (shared_data / "pi_examples_named_in_paper.jsonl").open()]
    assert {row["id"]: row["index"] for row in named} == PI_TO_INDEX
    problems = load_problems(str(shared_data / "dsr_sub_1209.jsonl"))
    for row in named:  # the registry's index points at the very problem the paper prints
        assert problems[row["index"]]["problem"] == row["problem"]
        assert problems[row["index"]]["answer"] == row["answer"]


@pytest.mark.parametrize(
    "spec, expected",
    [
        ("pi1", [ExampleRef("pi1", 124)]),
        ("π1", [ExampleRef("pi1", 124)]),
        ("PI13", [ExampleRef("pi13", 682)]),
        ("pi1,pi13", [ExampleRef("pi1", 124), ExampleRef("pi13", 682)]),
        (" pi1209 , 5 ", [ExampleRef("pi1209", 789), ExampleRef("idx5", 5)]),
        ("0", [ExampleRef("idx0", 0)]),
    ],
)
def test_parse_example_ids(spec, expected):
    assert parse_example_ids(spec, 1209) == expected


@pytest.mark.parametrize(
    "spec, message",
    [
        ("pi99", "valid ids: pi1, pi2"),
        ("banana", "valid ids"),
        ("5000", "only 1209 rows"),
        ("-3", "negative"),
        ("pi1,,pi2", "empty item"),
        ("", "empty --example-id"),
    ],
)
def test_bad_example_ids(spec, message):
    with pytest.raises(OneShotError, match=message):
        parse_example_ids(spec, 1209)


def _rows():
    return [{"question": "What is 1+1?", "solution": "2"}, {"question": "What is 2+2?", "solution": 4.0}]


def test_loaders_for_every_format(tmp_path):
    rows = _rows()
    (tmp_path / "a.jsonl").write_text("\n".join(json.dumps(r) for r in rows) + "\n\n")
    (tmp_path / "b.json").write_text(json.dumps(rows))
    (tmp_path / "c.json").write_text(
        json.dumps({"question": [r["question"] for r in rows], "solution": ["2", "4.0"]})
    )
    Dataset.from_list([{"question": r["question"], "solution": str(r["solution"])} for r in rows]).to_parquet(
        str(tmp_path / "d.parquet")
    )
    for name in ("a.jsonl", "b.json", "c.json", "d.parquet"):
        ds = load_problems(str(tmp_path / name), problem_key="question", answer_key="solution")
        assert ds["problem"] == ["What is 1+1?", "What is 2+2?"], name
        assert ds["answer"] == ["2", "4.0"], name  # floats become strings the grader handles
        assert ds["index"] == [0, 1], name


def test_verl_layout_is_recognised(tmp_path):
    row = {
        "prompt": [{"role": "user", "content": "What is 1+1?" + TRAIN_SUFFIX}],
        "reward_model": {"style": "rule", "ground_truth": "2"},
        "extra_info": {"index": 7},
        "data_source": "x",
    }
    Dataset.from_list([row]).to_parquet(str(tmp_path / "verl.parquet"))
    ds = load_problems(str(tmp_path / "verl.parquet"))
    assert ds[0]["problem"] == "What is 1+1?" and ds[0]["answer"] == "2" and ds[0]["source_index"] == 7


def test_training_prompts_are_the_authors_byte_for_byte(shared_data):
    """Issue 28: every DSR-sub prompt, full set and 1-shot, is the authors' user message (their ``prompt``);
    39 problems end in whitespace (π16 among them) that a strip would drop."""
    rows = [json.loads(line) for line in (shared_data / "dsr_sub_1209.jsonl").read_text().splitlines()]
    problems = load_problems(str(shared_data / "dsr_sub_1209.jsonl"))
    full = build_full_set(problems)
    assert len(full) == len(rows) == 1209
    assert [p[0]["content"] for p in full["prompt"]] == [r["prompt"] for r in rows]
    assert sum(r["problem"] != r["problem"].strip() for r in rows) == 39
    pi16 = next(r for r in rows if r["pi"] == "pi16")
    assert pi16["problem"] != pi16["problem"].strip()
    shipped = [
        json.loads(line) for line in (shared_data / "one_shot_pi_shipped.jsonl").read_text().splitlines()
    ]
    for pi in [*shipped, pi16]:
        one_shot = build_training_set(problems, [ExampleRef(pi["id"], pi["index"])], copies=2)
        assert one_shot["prompt"] == [[{"role": "user", "content": pi["prompt"]}]] * 2, pi["id"]


def test_verl_layout_keeps_the_prompt_byte_for_byte(tmp_path):
    content = "Find $N$.\n" + TRAIN_SUFFIX  # a problem that ends in a newline, as 39 of DSR-sub's do
    row = {"prompt": [{"role": "user", "content": content}], "reward_model": {"ground_truth": "1"}}
    Dataset.from_list([row]).to_parquet(str(tmp_path / "verl.parquet"))
    assert build_full_set(load_problems(str(tmp_path / "verl.parquet")))[0]["prompt"][0]["content"] == content


def test_dsr_sub_local_copy(shared_data):
    ds = load_problems(str(shared_data / "dsr_sub_1209.jsonl"))
    assert len(ds) == 1209 and ds[124]["answer"] == "12.8"


@pytest.mark.parametrize(
    "content, message",
    [
        ('{"problem": "a", "answer": "1"}\n{"problem": "b", "answer": \n', r"bad\.jsonl:2: malformed JSON"),
        ('{"problem": "a", "answer": "1"}\n[1, 2]\n', r"bad\.jsonl:2: expected a JSON object"),
        ("", "no rows"),
    ],
)
def test_bad_jsonl(tmp_path, content, message):
    (tmp_path / "bad.jsonl").write_text(content)
    with pytest.raises(OneShotError, match=message):
        load_problems(str(tmp_path / "bad.jsonl"))


def test_columns_of_different_lengths_are_refused(tmp_path):
    # Once cut to the shortest column silently: here the third problem would have gone without a word.
    (tmp_path / "c.json").write_text(json.dumps({"problem": ["a", "b", "c"], "answer": ["1", "2"]}))
    with pytest.raises(OneShotError, match=r"c\.json: expected .* an object of equal-length lists"):
        load_problems(str(tmp_path / "c.json"))


def test_missing_file_and_columns(tmp_path):
    with pytest.raises(OneShotError, match="not found"):
        load_problems(str(tmp_path / "nope.jsonl"))
    (tmp_path / "x.jsonl").write_text(json.dumps({"q": "a", "a": "1"}) + "\n")
    with pytest.raises(
        OneShotError, match=r"no column 'problem' or 'answer' \(columns: q, a\).*--problem-key"
    ):
        load_problems(str(tmp_path / "x.jsonl"))


def test_offline_hub_id_says_how_to_pass_a_file():
    with pytest.raises(OneShotError, match=r"--dataset path/to/problems\.jsonl"):
        load_problems("someone/not-a-dataset-offline")


def test_one_shot_layout_copies_and_groups():
    problems = Dataset.from_list([{"problem": f"p{i}", "answer": str(i), "index": i} for i in range(10)])
    refs = [ExampleRef("pi_a", 3), ExampleRef("pi_b", 7)]
    ds = build_training_set(problems, refs, copies=8)
    assert len(ds) == 8
    assert ds["index"] == [3, 7] * 4  # split evenly, interleaved
    assert ds["answer"] == ["3", "7"] * 4
    assert ds[0]["prompt"] == [{"role": "user", "content": "p3" + TRAIN_SUFFIX}]
    with pytest.raises(OneShotError, match="does not split evenly over 2 examples"):
        build_training_set(problems, refs, copies=7)
    full = build_full_set(problems)
    assert (
        len(full) == 10
        and full["index"] == list(range(10))
        and full[2]["prompt"][0]["content"] == "p2" + TRAIN_SUFFIX
    )
    bare = build_training_set(problems, refs[:1], copies=2, template="bare")
    assert bare[0]["prompt"] == [{"role": "user", "content": "p3"}]
    assert build_full_set(problems, template="bare")[2]["prompt"] == [{"role": "user", "content": "p2"}]
    with pytest.raises(
        OneShotError, match="unknown prompt template 'chat'; choose train, qwen25-math-cot, bare"
    ):
        build_full_set(problems, template="chat")


def test_prompt_text_through_a_chat_template(tiny_model):
    from oneshot_trl.modeling import load_tokenizer

    tok = load_tokenizer(tiny_model)
    text = render_prompt(tok, train_messages("What is 1+1?"))
    assert text == (
        "<|im_start|>user\n"
        "What is 1+1? Let's think step by step and output the final answer within \\boxed{}."
        "<|im_end|>\n<|im_start|>assistant\n"
    )
    cot = render_prompt(tok, qwen25_math_cot_messages("What is 1+1?"))
    assert cot.startswith(
        "<|im_start|>system\nPlease reason step by step, and put your final answer within \\boxed{}."
    )


def test_fallback_without_chat_template():
    class NoTemplate:
        chat_template = None

    with pytest.warns(UserWarning, match="no chat template"):
        text = render_prompt(NoTemplate(), train_messages("Q?"))
    assert text == "Q?" + TRAIN_SUFFIX + "\n"


def test_tokenizer_ids_survive_save_and_load(tiny_model):
    from oneshot_trl.modeling import load_tokenizer
    from oneshot_trl.testbed.models import bpe_tokenizer

    text = "a\nb + 12 = \\boxed{3}\n\n"
    fresh = bpe_tokenizer()
    loaded = load_tokenizer(tiny_model)
    assert loaded(text)["input_ids"] == fresh(text)["input_ids"]
    assert loaded.decode(loaded(text)["input_ids"]) == text  # newlines survive
