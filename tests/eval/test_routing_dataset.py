"""The copied RouteLLM data: counts after decontamination, value ranges, refusing malformed rows."""

from __future__ import annotations

from pathlib import Path

import pytest
from socle.eval.routing import dataset
from socle.eval.routing.dataset import BENCHMARKS, Benchmark, contaminated_prompts, load

EXPECTED = {"mt_bench": (80, 72), "gsm8k": (1319, 1307), "mmlu": (14042, 14037)}


@pytest.mark.parametrize("benchmark", BENCHMARKS)
def test_contaminated_prompts_are_excluded(benchmark: Benchmark) -> None:
    items = load(benchmark)
    assert len(items) == EXPECTED[benchmark][1]
    assert not {item.prompt for item in items} & contaminated_prompts(benchmark)
    assert len({item.key for item in items}) == len(items)


def test_mt_bench_scores_are_turn_means_on_the_judge_scale() -> None:
    items = load("mt_bench")
    assert all(1 <= item.weak <= 10 and 1 <= item.strong <= 10 for item in items)
    assert {item.group for item in items} == {
        "writing", "roleplay", "reasoning", "math", "coding", "extraction", "stem", "humanities",
    }  # fmt: skip
    assert all(item.strong_output_chars > 0 and item.input_chars > len(item.prompt) for item in items)


@pytest.mark.parametrize("benchmark", ["gsm8k", "mmlu"])
def test_correctness_is_binary(benchmark: Benchmark) -> None:
    items = load(benchmark)
    assert {item.weak for item in items} == {item.strong for item in items} == {0.0, 1.0}
    assert items[0].messages == [{"role": "user", "content": items[0].prompt}]


def test_the_strong_model_is_stronger_everywhere() -> None:
    for benchmark in BENCHMARKS:
        items = load(benchmark)
        assert sum(i.strong for i in items) > sum(i.weak for i in items)


def test_a_malformed_correctness_value_is_refused(tmp_path: Path) -> None:
    (tmp_path / "gsm8k").mkdir()
    (tmp_path / "gsm8k" / "contaminated_prompts.jsonl").write_text("", encoding="utf-8")
    (tmp_path / "gsm8k" / "gsm8k_responses.csv").write_text(
        f"prompt,{dataset.WEAK},{dataset.STRONG}\nq,yes,True\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="'yes'"):
        load("gsm8k", tmp_path)


def test_the_licence_travels_with_the_data() -> None:
    assert "Apache License" in (dataset.DATA_DIR / "LICENSE").read_text(encoding="utf-8")


def test_an_mt_bench_question_without_both_turns_judged_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "mt_bench"
    folder.mkdir()
    (folder / "contaminated_prompts.jsonl").write_text("", encoding="utf-8")
    (folder / "question.jsonl").write_text(
        '{"question_id": 1, "category": "math", "turns": ["a", "b"]}\n', encoding="utf-8"
    )
    judgements = [
        f'{{"question_id": 1, "model": "{model}", "score": 9, "turn": 1, "user_prompt": ""}}'
        for model in (dataset.WEAK, dataset.STRONG)
    ]
    (folder / "judgements.jsonl").write_text("\n".join(judgements) + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match="question 1 lacks a judgement"):
        load("mt_bench", tmp_path)
