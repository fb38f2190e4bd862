"""Example selection: the paper's ranking reproduced from the authors' histories, every input format,
the methods, the CLI outputs, and bad input."""

from __future__ import annotations

import json
import warnings

import pytest

from oneshot_trl.errors import OneShotError
from oneshot_trl.examples import PI_TO_INDEX
from oneshot_trl.selection import rank, read_stats

from conftest import run_cli


@pytest.fixture(scope="module")
def dsr_rows():
    from conftest import DSR_SUB

    if not DSR_SUB.exists():
        pytest.skip("the paper's data is not beside the checkout")
    return [json.loads(line) for line in DSR_SUB.open()]


def test_reproduces_every_pi_id_of_the_paper(shared_data):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ranked = rank(read_stats(shared_data / "dsr_sub_1209.jsonl", tie_order="hv_rank"))
    got = {r.pi: r.stats.index for r in ranked}
    assert {pi: got[pi] for pi in PI_TO_INDEX} == PI_TO_INDEX


def test_whole_ranking_matches_the_authors(shared_data, dsr_rows):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ranked = rank(read_stats(shared_data / "dsr_sub_1209.jsonl", tie_order="hv_rank"))
    by_index = {row["index"]: row for row in dsr_rows}
    assert [r.rank for r in ranked] == [by_index[r.stats.index]["hv_rank"] for r in ranked]
    for r in ranked[:50]:  # scores are computed from the histories, and agree with np.std
        assert r.score == pytest.approx(by_index[r.stats.index]["hv_std"], abs=1e-6)


def _authors_layout(dsr_rows) -> dict:
    """``{"index": history}`` as the authors' ``acc_step_500.json`` holds it: the shared JSONL keeps their key
    order only where it decides a rank (among examples whose ``np.std`` is exactly equal, in ``hv_rank``);
    every other key stays in index order, so near-ties (equal in exact arithmetic, not in floating point)
    are not pre-sorted for the ranking."""
    import numpy as np

    rows = sorted(dsr_rows, key=lambda r: r["index"])
    groups: dict[float, list] = {}
    for position, row in enumerate(rows):
        groups.setdefault(float(np.std(row["hv_history"])), []).append(position)
    ordered = list(rows)
    for positions in groups.values():
        members = sorted((rows[p] for p in positions), key=lambda r: r["hv_rank"])
        for p, row in zip(positions, members, strict=True):
            ordered[p] = row
    return {str(row["index"]): row["hv_history"] for row in ordered}


def test_the_authors_json_layout_reproduces_every_rank_without_a_flag(tmp_path, dsr_rows):
    r"""data/data_selection.py sorts raw np.std values: near-ties go by their float noise (ranks 188/189,
    262/263, ... moved when scores were rounded to 12 digits before sorting)."""
    import numpy as np

    path = tmp_path / "acc_step_500.json"
    path.write_text(json.dumps(_authors_layout(dsr_rows)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ranked = rank(read_stats(path))
    by_index = {row["index"]: row for row in dsr_rows}
    assert [r.rank for r in ranked] == [by_index[r.stats.index]["hv_rank"] for r in ranked]
    # bit for bit the authors' score (data_selection.py line 61)
    assert all(r.score == float(np.std(by_index[r.stats.index]["hv_history"])) for r in ranked)


def test_the_jsonl_in_index_order_needs_tie_order_only_for_exactly_equal_scores(shared_data, dsr_rows):
    """Without --tie-order, the JSONL (index order) misplaces only examples whose np.std equals another's
    exactly (the 104 zeros and 68 other groups): their order was the authors' JSON key order, which the
    JSONL keeps in hv_rank alone."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        ranked = rank(read_stats(shared_data / "dsr_sub_1209.jsonl"))
    by_index = {row["index"]: row for row in dsr_rows}
    moved = [r for r in ranked if r.rank != by_index[r.stats.index]["hv_rank"]]
    scores = [r.score for r in ranked]
    assert moved and all(scores.count(r.score) > 1 for r in moved)
    for r in moved:  # each lands inside the block of its equal scores, only the order within it differs
        block = [s.rank for s in ranked if s.score == r.score]
        assert min(block) <= by_index[r.stats.index]["hv_rank"] <= max(block)
    assert {r.rank for r in moved if r.score > 0} >= {141, 142}  # not only the zero block


def _synthetic():
    return {
        7: [0.0, 0.5, 1.0, 0.5],
        3: [0.25, 0.25, 0.25, 0.25],
        9: [0.0, 1.0, 0.0, 1.0],
        1: [1.0, 0.75, 1.0, 0.5],
    }


def _write_all_formats(tmp_path):
    data = _synthetic()
    steps = tmp_path / "history.jsonl"
    with steps.open("w") as f:
        for step in range(4):
            for index, values in data.items():
                f.write(
                    json.dumps(
                        {
                            "step": step + 1,
                            "index": index,
                            "example_id": f"idx{index}",
                            "correct": 0,
                            "total": 4,
                            "accuracy": values[step],
                        }
                    )
                    + "\n"
                )
    obj = tmp_path / "acc.json"
    obj.write_text(json.dumps({str(k): v for k, v in data.items()}, indent=2))
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        "".join(json.dumps({"index": k, "hv_history": v, "answer": str(k)}) + "\n" for k, v in data.items())
    )
    return steps, obj, rows


def test_every_format_gives_the_same_ranking(tmp_path):
    for path in _write_all_formats(tmp_path):
        ranked = rank(read_stats(path))
        assert [r.stats.index for r in ranked] == [9, 7, 1, 3], path.name
        assert ranked[0].score == pytest.approx(0.5) and ranked[-1].score == 0


def test_methods(tmp_path):
    steps, _, _ = _write_all_formats(tmp_path)
    stats = read_stats(steps)
    assert [r.stats.index for r in rank(stats, "var")] == [9, 7, 1, 3]
    assert rank(stats, "var")[0].score == pytest.approx(0.25)
    first = [r.stats.index for r in rank(stats, "random", seed=1)]
    assert first == [r.stats.index for r in rank(stats, "random", seed=1)]
    assert sorted(first) == [1, 3, 7, 9]
    band = rank(stats, "pass-band", band=(0.2, 0.6))  # means: 7→0.5, 3→0.25, 9→0.5, 1→0.8125
    assert [r.stats.index for r in band] == [7, 9, 3]
    with pytest.raises(OneShotError, match="unknown --method 'best'"):
        rank(stats, "best")


def test_ties_keep_input_order(tmp_path):
    path = tmp_path / "ties.json"
    path.write_text(json.dumps({"5": [0, 1], "2": [1, 0], "8": [0, 0], "4": [1, 1]}))
    assert [r.stats.index for r in rank(read_stats(path))] == [5, 2, 8, 4]


@pytest.mark.parametrize(
    "content, message",
    [
        ("", "empty history file"),
        ('{"0": [0.5, 0.25], "1": [0.5', "malformed or truncated JSON"),
        ('{"0": [0.5, "high"]}', "index 0: non-numeric accuracy 'high'"),
        (
            '{"index": 0, "hv_history": [0.5]}\n{"index": 1, "hv_history": [0.5, null]}\n',
            "h.jsonl:2: non-numeric accuracy None",
        ),
        (
            '{"step": 1, "index": 0, "accuracy": 0.5}\n{"step": 1, "index": 1, "accuracy": "x"}\n',
            "h.jsonl:2: non-numeric",
        ),
        ('{"step": 1, "index": 0, "accuracy": 0.5}\n{oops}\n', "h.jsonl:2: not a history row"),
    ],
)
def test_bad_history_files(tmp_path, content, message):
    path = tmp_path / ("h.json" if content.startswith('{"0"') else "h.jsonl")
    path.write_text(content)
    with pytest.raises(OneShotError, match=message):
        read_stats(path)


def test_partial_last_line_is_ignored_with_a_warning(tmp_path):
    path = tmp_path / "history.jsonl"
    path.write_text('{"step": 1, "index": 0, "accuracy": 0.5}\n{"step": 1, "index": 1, "accuracy": 0.2')
    with pytest.warns(UserWarning, match="partial last line"):
        stats = read_stats(path)
    assert [s.index for s in stats] == [0]


def test_unequal_lengths_are_reported_not_fatal(tmp_path):
    path = tmp_path / "acc.json"
    path.write_text(json.dumps({"0": [0, 1, 0], "1": [1, 0]}))
    with pytest.warns(UserWarning, match=r"unequal lengths \(2-3 appearances\)"):
        assert len(read_stats(path)) == 2


def test_cli_outputs(tmp_path, capsys, shared_data):
    out = tmp_path
    code, stdout, _ = run_cli(
        [
            "select-examples",
            "--history",
            str(shared_data / "dsr_sub_1209.jsonl"),
            "--tie-order",
            "hv_rank",
            "--top",
            "3",
            "--json",
            str(out / "r.json"),
            "--csv",
            str(out / "r.csv"),
            "--plot",
            str(out / "r.png"),
            "--export",
            str(out / "pi1.jsonl"),
            "--copies",
            "128",
        ],
        capsys,
    )
    assert code == 0
    assert "pi1" in stdout and "124" in stdout and "12.8" in stdout
    ranking = json.loads((out / "r.json").read_text())
    assert len(ranking) == 1209 and ranking[0]["index"] == 124 and ranking[0]["pi"] == "pi1"
    assert (out / "r.csv").read_text().splitlines()[1].startswith("pi1,1,124,")
    assert (out / "r.png").read_bytes()[:4] == b"\x89PNG"
    exported = [json.loads(line) for line in (out / "pi1.jsonl").read_text().splitlines()]
    assert len(exported) == 128 and exported[0]["index"] == 124 and exported[0]["answer"] == "12.8"


@pytest.mark.parametrize("columns", [60, 80])
def test_key_columns_never_truncate_in_a_narrow_terminal(capsys, shared_data, monkeypatch, columns):
    monkeypatch.setenv("COLUMNS", str(columns))
    monkeypatch.setattr(
        "oneshot_trl.cli.select_examples.console", __import__("rich.console").console.Console()
    )
    code, stdout, _ = run_cli(
        [
            "select-examples",
            "--history",
            str(shared_data / "dsr_sub_1209.jsonl"),
            "--tie-order",
            "hv_rank",
            "--top",
            "12",
        ],
        capsys,
    )
    assert code == 0
    rows = [line for line in stdout.splitlines() if line.startswith("│ pi")]
    assert len(rows) == 12 and max(len(line) for line in stdout.splitlines()) <= columns
    ranking = json.loads(
        run_cli(
            [
                "select-examples",
                "--history",
                str(shared_data / "dsr_sub_1209.jsonl"),
                "--tie-order",
                "hv_rank",
                "--top",
                "12",
                "--format",
                "json",
            ],
            capsys,
        )[1]
    )
    # π, index and the 4-decimal score whole, in every row
    for row, expected in zip(rows, ranking, strict=True):
        cells = [c.strip() for c in row.split("│")[1:4]]
        assert cells == [expected["pi"], str(expected["index"]), f"{expected['score']:.4f}"]
    assert "…" in stdout  # the problem text gave way instead


def test_format_tsv_and_json_for_scripts(capsys, shared_data):
    argv = [
        "select-examples",
        "--history",
        str(shared_data / "dsr_sub_1209.jsonl"),
        "--tie-order",
        "hv_rank",
        "--top",
        "3",
    ]
    code, tsv, _ = run_cli(argv + ["--format", "tsv"], capsys)
    lines = tsv.splitlines()
    assert code == 0 and lines[0].split("\t") == [
        "pi",
        "rank",
        "index",
        "score",
        "mean_accuracy",
        "appearances",
        "answer",
    ]
    assert [line.split("\t")[:3] for line in lines[1:]] == [
        ["pi1", "1", "124"],
        ["pi2", "2", "267"],
        ["pi3", "3", "531"],
    ]
    code, out, _ = run_cli(argv + ["--format", "json"], capsys)
    assert [r["index"] for r in json.loads(out)] == [124, 267, 531]
    code, _, err = run_cli(argv + ["--format", "xml"], capsys)
    assert code == 2 and "choose table, tsv or json" in err


def test_cli_index_missing_from_dataset(tmp_path, capsys):
    history = tmp_path / "acc.json"
    history.write_text(json.dumps({"0": [0, 1], "5": [1, 0]}))
    data = tmp_path / "d.jsonl"
    data.write_text("".join(json.dumps({"problem": f"p{i}", "answer": "1"}) + "\n" for i in range(3)))
    code, _, err = run_cli(["select-examples", "--history", str(history), "--dataset", str(data)], capsys)
    assert code == 2 and "index 5 is not in the dataset (3 rows)" in err


@pytest.mark.slow
def test_one_command_from_nothing_to_pi1(tmp_path, capsys, tiny_model):
    data = tmp_path / "d.jsonl"
    data.write_text(
        "".join(json.dumps({"problem": f"What is {i}+{i}?", "answer": str(2 * i)}) + "\n" for i in range(8))
    )
    code, stdout, err = run_cli(
        [
            "select-examples",
            "--model",
            str(tiny_model),
            "--dataset",
            str(data),
            "--epochs",
            "2",
            "--recipe",
            "tiny-cpu",
            "--output-dir",
            str(tmp_path / "full"),
            "--export",
            str(tmp_path / "pi1.jsonl"),
        ],
        capsys,
    )
    assert code == 0, err
    history = [json.loads(line) for line in (tmp_path / "full" / "history.jsonl").read_text().splitlines()]
    assert len(history) == 16 and {h["index"] for h in history} == set(range(8))  # 8 examples x 2 epochs
    assert "8 examples ranked by std" in stdout
    assert json.loads((tmp_path / "pi1.jsonl").read_text())["problem"].startswith("What is")


@pytest.mark.ppo
def test_full_set_run_sets_its_steps_through_the_parser_so_ppo_counts_them(tmp_path, monkeypatch):
    """`select-examples --model` sizes the full-set run from the pool (epochs x steps per epoch). A PPO recipe
    turns max_steps into TRL's total_episodes inside the parser; setting max_steps after it left the recipe's
    3 steps' worth of episodes, so the run trained another number of steps than it reported."""
    from oneshot_trl import train
    from oneshot_trl.cli.select_examples import _full_set_run

    data = tmp_path / "d.jsonl"
    data.write_text(
        "".join(json.dumps({"problem": f"{i}+{i}?", "answer": str(2 * i)}) + "\n" for i in range(10))
    )
    seen = []
    monkeypatch.setattr(train, "run_training", lambda run, args: seen.append((run, args)) or tmp_path)
    _full_set_run("unused-model", str(data), None, None, 2, "ppo-tiny-cpu", str(tmp_path / "full"))
    [(run, args)] = seen
    assert args.max_steps == 2 * 3  # 10 rows, 4 prompts a step: 3 steps an epoch
    assert args.total_episodes == args.max_steps * args.prompts_per_step * 2  # 2 generations a prompt


def test_step_metrics_shared_by_grpo_and_ppo():
    from oneshot_trl.history import accuracy_metrics, step_rows

    rows = [{"example_id": "pi1", "correct": c} for c in (1, 1, 0, 1)] + [
        {"example_id": "pi13", "correct": c} for c in (0, 0)
    ]
    assert accuracy_metrics(rows) == {
        "oneshot/train_accuracy": 0.5,
        "oneshot/accuracy/pi1": 0.75,
        "oneshot/accuracy/pi13": 0.0,
    }
    # One example: its accuracy is the step's
    assert accuracy_metrics(rows[:4]) == {"oneshot/train_accuracy": 0.75}
    many = [{"example_id": str(i), "correct": i % 2} for i in range(17)]
    assert list(accuracy_metrics(many)) == ["oneshot/train_accuracy"]  # a full set: no per-example metric
    assert step_rows(3, [7, 7, 9], ["pi1", "pi1", "x"], [True, False, True]) == [
        {"step": 3, "index": 7, "example_id": "pi1", "correct": 1, "total": 2, "accuracy": 0.5},
        {"step": 3, "index": 9, "example_id": "x", "correct": 1, "total": 1, "accuracy": 1.0},
    ]
