"""RouteLLM's per-question outcomes of a strong and a weak model, read from `eval/routing/data/`.

The data is copied unchanged from lm-sys/RouteLLM `routellm/evals/` (Apache-2.0, `data/LICENSE`).
Like RouteLLM's `benchmarks.py`, every loader drops the prompts listed in that benchmark's
`contaminated_prompts.jsonl` (MT-Bench: a question goes if either of its turns is listed), and
MT-Bench questions are routed on their first turn only and scored as the mean judge score of their
two turns.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterator
from dataclasses import KW_ONLY, dataclass
from pathlib import Path
from typing import Literal, TypeAlias

Benchmark: TypeAlias = Literal["mt_bench", "gsm8k", "mmlu"]
BENCHMARKS: tuple[Benchmark, ...] = ("mt_bench", "gsm8k", "mmlu")
STRONG = "gpt-4-1106-preview"
WEAK = "mistralai/Mixtral-8x7B-Instruct-v0.1"
DATA_DIR = Path(__file__).resolve().parent / "data"

_ANSWER = re.compile(r"### Assistant A:\n(.*?)\n\n(?:### User:|<\|The End of Assistant A)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class RoutingItem:
    """One evaluation question and how each model did on it.

    `weak` and `strong` are the models' performance on the item: 1.0/0.0 correctness (GSM8K, MMLU)
    or the mean GPT-4 judge score (1-10) of the two turns (MT-Bench). Character counts feed the
    dollar-cost estimate (tokens ~ characters / 4).
    """

    benchmark: Benchmark
    key: str
    prompt: str
    _: KW_ONLY
    weak: float
    strong: float
    group: str
    input_chars: int
    weak_output_chars: int
    strong_output_chars: int

    @property
    def messages(self) -> list[dict[str, str]]:
        """The OpenAI messages the router sees for this item (one user turn)."""
        return [{"role": "user", "content": self.prompt}]


def _jsonl(path: Path) -> Iterator[dict[str, object]]:
    with path.open(encoding="utf-8") as lines:
        for line in lines:
            if line.strip():
                yield json.loads(line)


def contaminated_prompts(benchmark: Benchmark, root: Path = DATA_DIR) -> frozenset[str]:
    """The `eval_prompt`s RouteLLM found in its router training data; they are never evaluated."""
    rows = _jsonl(root / benchmark / "contaminated_prompts.jsonl")
    return frozenset(str(row["eval_prompt"]) for row in rows)


def _correct(value: str) -> float:
    if value not in ("True", "False"):
        raise ValueError(f"correctness must be 'True' or 'False', got {value!r}")
    return 1.0 if value == "True" else 0.0


def _csv_items(benchmark: Benchmark, path: Path, group: str, skip: frozenset[str]) -> Iterator[RoutingItem]:
    with path.open(encoding="utf-8", newline="") as handle:
        for index, row in enumerate(csv.DictReader(handle)):
            if row["prompt"] in skip:
                continue
            yield RoutingItem(
                benchmark,
                f"{benchmark}:{group}:{index}",
                row["prompt"],
                weak=_correct(row[WEAK]),
                strong=_correct(row[STRONG]),
                group=group,
                input_chars=len(row["prompt"]),
                # MMLU answers are one token (RouteLLM generated them with max_new_tokens=1).
                weak_output_chars=len(row.get(f"{WEAK}_response", "") or "x" * 4),
                strong_output_chars=len(row.get(f"{STRONG}_response", "") or "x" * 4),
            )


def load_gsm8k(root: Path = DATA_DIR) -> list[RoutingItem]:
    """GSM8K test questions (1,319, less 12 contaminated), scored by exact-answer correctness."""
    skip = contaminated_prompts("gsm8k", root)
    return list(_csv_items("gsm8k", root / "gsm8k" / "gsm8k_responses.csv", "gsm8k", skip))


def load_mmlu(root: Path = DATA_DIR) -> list[RoutingItem]:
    """MMLU test questions of the 57 subjects (14,042, less 5 contaminated); group = subject."""
    skip = contaminated_prompts("mmlu", root)
    items: list[RoutingItem] = []
    for path in sorted((root / "mmlu").glob("mmlu_*.csv")):
        items.extend(_csv_items("mmlu", path, path.stem.removeprefix("mmlu_"), skip))
    return items


def load_mt_bench(root: Path = DATA_DIR) -> list[RoutingItem]:
    """MT-Bench questions (80, less 8 contaminated); performance is the mean of the two turns' scores."""
    skip = contaminated_prompts("mt_bench", root)
    scores: dict[tuple[int, str], list[float]] = {}
    answers: dict[tuple[int, str], list[str]] = {}
    for row in _jsonl(root / "mt_bench" / "judgements.jsonl"):
        key = (int(str(row["question_id"])), str(row["model"]))
        scores.setdefault(key, []).append(float(str(row["score"])))
        if row["turn"] == 2:
            answers[key] = _ANSWER.findall(str(row["user_prompt"]))
    items = []
    for question in _jsonl(root / "mt_bench" / "question.jsonl"):
        turns = [str(turn) for turn in question["turns"]]  # type: ignore[attr-defined]  # JSON list
        if skip.intersection(turns):
            continue
        qid = int(str(question["question_id"]))
        weak, strong = scores[(qid, WEAK)], scores[(qid, STRONG)]
        if len(weak) != 2 or len(strong) != 2:
            raise ValueError(f"MT-Bench question {qid} lacks a judgement per turn and model")
        first_answer = answers[(qid, STRONG)][0]
        items.append(
            RoutingItem(
                "mt_bench",
                f"mt_bench:{qid}",
                turns[0],
                weak=sum(weak) / 2,
                strong=sum(strong) / 2,
                group=str(question["category"]),
                # Turn 2 resends turn 1 and its answer: count them as input once more.
                input_chars=2 * len(turns[0]) + len(turns[1]) + len(first_answer),
                weak_output_chars=sum(map(len, answers[(qid, WEAK)])),
                strong_output_chars=sum(map(len, answers[(qid, STRONG)])),
            )
        )
    return items


def load(benchmark: Benchmark, root: Path = DATA_DIR) -> list[RoutingItem]:
    """The decontaminated items of one benchmark."""
    loaders = {"mt_bench": load_mt_bench, "gsm8k": load_gsm8k, "mmlu": load_mmlu}
    return loaders[benchmark](root)
