"""The model card a training run leaves in its output folder (README.md, the Hub's format), offline: what it
names, that TRL's own card never replaces it, and that ``--push_to_hub`` uploads it with the model."""

from __future__ import annotations

import json
from concurrent.futures import Future
from pathlib import Path

import pytest
import yaml

from oneshot_trl.card import model_card

from conftest import exit_code

EXAMPLE = {
    "id": "pi1",
    "index": 124,
    "answer": "12.8",
    "problem_sha256": "abc",
    "problem": "The pressure P exerted by wind on a sail varies jointly as the area A\nof the sail.",
    "selection": {
        "method": "historical variance of training accuracy (the paper's π ranking)",
        "hv_rank": 1,
        "hv_std": 0.4,
    },
}


def front_matter(text: str) -> tuple[dict, str]:
    assert text.startswith("---\n")
    head, body = text[4:].split("\n---\n", 1)
    return yaml.safe_load(head), body


def write_run(folder: Path, examples=None, metrics=None, **run_config) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    record = {
        "command": ["oneshot", "train", "--example-id", "pi1", "--learning_rate", "2e-6"],
        "started": "2026-01-01T00:00:00+0000",
        "seed": 7,
        "run_config": {
            "model_name_or_path": "Qwen/Qwen2.5-Math-1.5B",
            "algo": "grpo",
            "reward": "math",
            "dataset": None,
            "use_peft": False,
            **run_config,
        },
        "trainer_config": {"learning_rate": 2e-6, "max_steps": 500, "num_generations": 8, "beta": 0.001},
        "examples": examples if examples is not None else [EXAMPLE],
        "versions": {"python": "3.11.0", "torch": "2.13.0", "trl": "1.16.0", "deepspeed": None},
        "git_sha": "deadbeef",
        "world_size": 1,
        "resumed_from": None,
        "recipe": {
            "recipe": "paper-qwen2.5-math-1.5b",
            "config_file": None,
            "changed": ["example_id", "learning_rate", "max_steps"],
            "recipe_values": {"learning_rate": 1e-6, "max_steps": 500},
        },
    }
    (folder / "run.json").write_text(json.dumps(record))
    rows = metrics or []
    (folder / "metrics.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    return folder


def test_card_names_model_example_recipe_steps_validation_and_versions(tmp_path):
    checks = [
        {
            "step": 0,
            "eval/math500/accuracy": 0.36,
            "eval/math500/accuracy_low": 0.318,
            "eval/math500/accuracy_high": 0.404,
            "eval/average": 0.36,
        },
        {"step": 1, "loss": 0.1},
        {
            "step": 20,
            "eval/math500/accuracy": 0.7,
            "eval/math500/accuracy_low": 0.658,
            "eval/math500/accuracy_high": 0.739,
            "eval/average": 0.7,
        },
    ]
    run = write_run(tmp_path / "run", metrics=checks)
    meta, body = front_matter(model_card(run, steps=20, tags=["my-tag"]))
    assert meta["base_model"] == "Qwen/Qwen2.5-Math-1.5B"
    assert meta["library_name"] == "transformers" and meta["pipeline_tag"] == "text-generation"
    assert {"trl", "grpo", "oneshot-trl", "1-shot-rlvr", "my-tag"} <= set(meta["tags"])
    assert "20 steps, seed 7" in body
    assert "**pi1** (row 124; selected by historical variance of training accuracy" in body
    assert "score: hv_rank 1, hv_std 0.4" in body
    assert "> The pressure P exerted by wind on a sail varies jointly as the area A\n> of the sail." in body
    assert "Answer: `12.8`" in body
    # the recipe, and every field set on top of it that changed its value (max_steps was set to its own)
    assert "Recipe `paper-qwen2.5-math-1.5b`" in body
    assert "| `learning_rate` | 1e-06 | 2e-06 |" in body
    assert "| `example_id` | (not set: the default) | None |" in body
    assert "`max_steps`" not in body.split("Key settings")[0].split("Recipe `")[1]
    # the in-training checks, each with its interval; the step without a check is not a row
    assert "| step | math500 | average |" in body
    assert "| 0 | 0.360 [0.318, 0.404] | 0.360 |" in body and "| 20 | 0.700 [0.658, 0.739] | 0.700 |" in body
    assert "| 1 |" not in body
    assert "torch 2.13.0, trl 1.16.0" in body and "deepspeed" not in body and "`deadbeef`" in body


def test_card_metadata_for_a_local_base_and_a_full_set_run(tmp_path):
    base = tmp_path / "base-model"
    base.mkdir()
    run = write_run(
        tmp_path / "run",
        examples=[{"id": "full-set", "rows": 1209, "dropped_overlong": 0}],
        model_name_or_path=str(base),
        use_peft=True,
        dataset="agentica-org/DeepScaleR-Preview-Dataset",
    )
    meta, body = front_matter(model_card(run))
    assert "base_model" not in meta  # a local path is no Hub id: the Hub would reject the card
    assert f"`{base}`" in body
    assert meta["library_name"] == "peft" and "1-shot-rlvr" not in meta["tags"]
    assert meta["datasets"] == ["agentica-org/DeepScaleR-Preview-Dataset"]
    assert "The whole dataset: 1209 rows" in body
    assert "No in-training validation was run" in body


def test_card_parses_as_a_hub_model_card(tmp_path):
    from huggingface_hub import ModelCard

    card = ModelCard(model_card(write_run(tmp_path / "run"), steps=3))
    assert card.data.base_model == "Qwen/Qwen2.5-Math-1.5B" and "oneshot-trl" in card.data.tags


@pytest.mark.slow
def test_push_to_hub_uploads_our_card_with_the_model(tiny_model, shared_data, tmp_path, monkeypatch):
    """A 2-step run with --push_to_hub against a fake Hub client: TRL's card (written at each checkpoint
    save and by push_to_hub) never replaces ours, and the upload carries our card beside the weights."""
    import transformers.trainer

    uploads = []

    class FakeHub:
        def create_repo(self, repo_id, **kwargs):
            return type("RepoUrl", (), {"repo_id": f"me/{repo_id.split('/')[-1]}"})()

        def upload_folder(self, repo_id, folder_path, run_as_future=False, **kwargs):
            files = {p.name: p for p in Path(folder_path).iterdir() if p.is_file()}
            uploads.append(
                {
                    "repo": repo_id,
                    "files": sorted(files),
                    "card": files["README.md"].read_text() if "README.md" in files else None,
                }
            )
            if run_as_future:
                done = Future()
                done.set_result(None)
                return done
            return None

    monkeypatch.setattr(transformers.trainer, "hf_api", lambda *a, **k: FakeHub())
    out = tmp_path / "run"
    args = ["train", "--model", str(tiny_model), "--dataset", str(shared_data / "dsr_sub_1209.jsonl")]
    args += ["--recipe", "tiny-cpu", "--example-id", "pi1", "--output-dir", str(out), "--max-steps", "2"]
    args += ["--save_steps", "1", "--push_to_hub", "true", "--hub_model_id", "me/pi1-run"]
    args += ["--eval-every", "2", "--eval-limit", "2", "--eval-data-dir", str(shared_data)]
    args += ["--eval_max_tokens", "2", "--eval_before_train", "false"]
    assert exit_code(args) == 0
    final = [u for u in uploads if u["card"] is not None][-1]
    assert final["repo"] == "me/pi1-run" and "model.safetensors" in final["files"]
    meta, body = front_matter(final["card"])
    assert "base_model" not in meta  # the tiny model is a local folder
    assert "oneshot-trl" in meta["tags"] and "2 steps, seed" in body
    assert "**pi1** (row 124; selected by historical variance" in body and "hv_std" in body
    assert "| `hub_model_id` | (not set: the default) | me/pi1-run |" in body
    assert "| 2 | " in body  # the check at step 2, in the card that was pushed
    assert (out / "README.md").read_text() == model_card(out, steps=2)  # and the folder keeps ours
