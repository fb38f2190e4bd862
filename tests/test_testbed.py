"""The offline testbed: the task generator and the grader agree, the char tokenizer round-trips, and a
miniature build runs the real SFT path to a loadable, cached model."""

from __future__ import annotations

import json
import random
from dataclasses import replace

import pytest

from oneshot_trl.rewards import extract_answer, is_equivalent
from oneshot_trl.testbed import Habits, TestbedRecipe, build, char_tokenizer, make_split, worked_solution


def test_generator_and_grader_agree_on_every_answer():
    for split in ("sft", "rl", "dev", "heldout"):
        for row in make_split(split, 500, digits=(1, 5)):
            assert int(row["answer"]) == eval(row["problem"][len("What is ") : -1])  # noqa: S307 - our own text
            assert is_equivalent(extract_answer(row["solution"]), row["answer"]), row


def test_habits_plant_what_they_say():
    rng = random.Random(0)
    results = [worked_solution(4821, 937, rng, Habits(slip=1.0)) for _ in range(50)]
    assert all(total != 5758 for _, total in results)  # a slipped column always moves the sum
    unboxed = [worked_solution(12, 30, rng, Habits(unboxed=1.0))[0] for _ in range(10)]
    assert all(extract_answer(s) is None and s == "=\n2+0=2\n1+3=4\n42" for s in unboxed)
    # a skipped carry: the column still shows its total, the next line lacks the "+1", and the sum falls short
    assert worked_solution(978, 456, rng, Habits(skip_carry=1.0)) in [
        ("=\n8+6=14\n7+5=12\n9+4+1=14\n\\boxed{1424}", 1424),
        ("=\n8+6=14\n7+5+1=13\n9+4=13\n\\boxed{1334}", 1334),
        ("=\n8+6=14\n7+5+1=13\n9+4+1=14\n\\boxed{434}", 434),
    ]
    assert worked_solution(978, 456, rng)[0] == "=\n8+6=14\n7+5+1=13\n9+4+1=14\n\\boxed{1434}"
    # a guess: no column work, the sum to the nearest hundred (right only for round sums); it opens with "~"
    # where the work opens with "=", so the choice is one token whatever the digits
    assert worked_solution(978, 456, rng, Habits(guess=1.0)) == ("~\\boxed{1400}", 1400)
    assert worked_solution(950, 50, rng, Habits(guess=1.0)) == ("~\\boxed{1000}", 1000)
    mixed = make_split("sft", 2000, habits=Habits(slip=0.3, unboxed=0.3))
    right = sum(
        bool(extract_answer(r["solution"])) and is_equivalent(extract_answer(r["solution"]), r["answer"])
        for r in mixed
    ) / len(mixed)
    assert 0.43 < right < 0.55  # about 0.7 x 0.7


def test_splits_are_fixed_and_disjoint_by_construction():
    from oneshot_trl.testbed.task import has_carry, split_of

    assert has_carry(15, 5) and has_carry(951, 50) and not has_carry(123, 456) and not has_carry(0, 0)

    assert make_split("rl", 20, digits=(3, 3)) == make_split("rl", 20, digits=(3, 3))
    problems = {}
    for split in ("sft", "rl", "dev", "heldout"):
        rows = make_split(split, 3000 if split == "sft" else 500, digits=(1, 3), carries=True)
        problems[split] = {r["problem"] for r in rows}
        pairs = [tuple(int(x) for x in r["problem"][len("What is ") : -1].split(" + ")) for r in rows]
        assert all(split_of(a, b) == split for a, b in pairs)
        assert all(has_carry(a, b) for a, b in pairs)
        # No digit pattern tied to a split: (3a + b) mod 4 once gave SFT only even units sums and held-out
        # only odd ones
        odd = sum((a % 10 + b % 10) % 2 for a, b in pairs) / len(pairs)
        assert 0.4 < odd < 0.6, (split, odd)
    names = list(problems)
    for i, first in enumerate(names):
        for second in names[i + 1 :]:
            # 1-3 digits: overlaps would be common
            assert not problems[first] & problems[second], (first, second)


def test_char_tokenizer_round_trips_and_keeps_digits_apart():
    tok = char_tokenizer()
    text = "What is 622 + 358?\n2+8=10\n2+5+1=8\n6+3=9\n\\boxed{980}"
    ids = tok(text, add_special_tokens=False)["input_ids"]
    assert len(ids) == len(text) and tok.decode(ids) == text
    assert tok.convert_tokens_to_ids("<|im_end|>") == tok.eos_token_id
    # role names are single tokens (as in Qwen's vocabulary), so the chat template costs 3 tokens per turn
    prompt = tok.apply_chat_template(
        [{"role": "user", "content": "1+2"}], add_generation_prompt=True, tokenize=False
    )
    assert len(tok(prompt, add_special_tokens=False)["input_ids"]) == 3 + 3 + 2 + 3


@pytest.mark.slow
def test_miniature_build_is_cached_and_loadable(tmp_path):
    recipe = TestbedRecipe(
        sft_examples=64,
        rl_examples=8,
        dev_examples=8,
        heldout_examples=8,
        hidden_size=32,
        layers=1,
        max_steps=6,
        eval_every=3,
        batch_size=8,
        dev_target=1.1,
    )
    path = build(recipe, cache=tmp_path, log=lambda *_: None)
    info = json.loads((path / "testbed.json").read_text())
    # Checks at steps 3 and 6, then the final check
    assert info["sft_steps"] == 6 and [h["step"] for h in info["dev_history"]] == [3, 6, 6]
    assert info["dev_history"][-1]["final"] is True
    # Deterministic on one machine: a second build from scratch gives the same weights, byte for byte.
    again = build(recipe, cache=tmp_path / "again", log=lambda *_: None)
    assert (again / "model.safetensors").read_bytes() == (path / "model.safetensors").read_bytes()
    # Once the criterion is met (a target of 0 is met at the first check), the learning rate anneals to 0
    # over cooldown_steps, then SFT stops: 3 steps + 2 of cool-down.
    cooled = build(replace(recipe, dev_target=0.0, cooldown_steps=2), cache=tmp_path, log=lambda *_: None)
    info = json.loads((cooled / "testbed.json").read_text())
    assert info["sft_steps"] == 5 and [h["step"] for h in info["dev_history"]] == [3, 5]
    assert path.name == recipe.key() and build(recipe, cache=tmp_path) == path  # reused, not rebuilt
    from oneshot_trl.modeling import load_model_and_tokenizer

    model, tok = load_model_and_tokenizer(str(path))
    assert (
        tok("12+3", add_special_tokens=False)["input_ids"]
        == char_tokenizer()("12+3", add_special_tokens=False)["input_ids"]
    )
    assert len((path / "rl.jsonl").read_text().splitlines()) == 8


def test_shipped_base_is_the_current_recipes_build():
    """The package ships the default recipe's base, so every machine's demo starts from the same weights. Its
    key is the recipe's key: this fails after any change to the recipe or to the testbed's build code until
    ``python scripts/ship_testbed_base.py`` ships the new base (and the README's demo figures are redone)."""
    from oneshot_trl.modeling import load_model_and_tokenizer
    from oneshot_trl.rewards import extract_answer
    from oneshot_trl.testbed.shipped import REQUIRED, SHIPPED, SHIPPED_FILE, shipped_key

    assert shipped_key() == TestbedRecipe().key()
    assert all((SHIPPED / name).is_file() for name in (*REQUIRED, SHIPPED_FILE))
    assert all(p.is_file() for p in SHIPPED.iterdir())  # SFT's output folder is not shipped
    note = json.loads((SHIPPED / SHIPPED_FILE).read_text())
    assert note["key"] == shipped_key() and note["rebuild"] == "oneshot testbed build"
    info = json.loads((SHIPPED / "testbed.json").read_text())
    assert info["recipe"]["seed"] == 0 and info["dev_history"][-1]["final"] is True
    model, tok = load_model_and_tokenizer(str(SHIPPED), dtype="float32")
    assert 2e5 < sum(p.numel() for p in model.parameters()) < 4e5
    # A trained base, not an initialisation: its greedy answer to a held-out problem is a boxed number.
    row = json.loads((SHIPPED / "eval_testbed_heldout.jsonl").read_text().splitlines()[0])
    prompt = tok.apply_chat_template(
        [{"role": "user", "content": row["problem"]}], add_generation_prompt=True, return_tensors="pt"
    )
    ids = prompt["input_ids"] if hasattr(prompt, "keys") else prompt
    out = model.generate(ids, max_new_tokens=48, do_sample=False, pad_token_id=tok.pad_token_id)
    answer = extract_answer(tok.decode(out[0, ids.shape[1] :], skip_special_tokens=True))
    assert answer is not None and answer.isdigit(), answer


def test_base_model_serves_the_shipped_base_only_for_its_recipe(monkeypatch, tmp_path):
    from oneshot_trl.testbed import shipped

    built = []
    monkeypatch.setattr(shipped, "build", lambda recipe, cache, log: built.append(recipe) or tmp_path)
    assert shipped.base_model() == shipped.SHIPPED and built == []  # no build on a fresh machine
    assert shipped.base_model(rebuild=True) == tmp_path  # --rebuild-base builds here
    other = replace(TestbedRecipe(), seed=1)
    assert shipped.base_model(other) == tmp_path  # another recipe is never served the shipped base
    assert built == [TestbedRecipe(), other]


def test_ship_copies_a_built_base_with_a_note(tmp_path):
    from oneshot_trl.testbed.shipped import SHIPPED, SHIPPED_FILE, ship, shipped_key

    dest = ship(SHIPPED, tmp_path / "base")
    assert sorted(p.name for p in dest.iterdir()) == sorted(p.name for p in SHIPPED.iterdir())
    assert json.loads((dest / SHIPPED_FILE).read_text())["key"] == shipped_key()
    (tmp_path / "half").mkdir()
    (tmp_path / "half" / "config.json").write_text("{}")
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        ship(tmp_path / "half", tmp_path / "base")
    assert shipped_key(tmp_path / "base") == shipped_key()  # a failed ship leaves the earlier base whole
