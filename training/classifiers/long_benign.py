r"""Build the injection classifier's benign long texts: `train_long.jsonl` and `benign_long.jsonl`.

    python -m training.classifiers.long_benign --awesome-prompts /path/f/awesome-chatgpt-prompts.git

rewrites both files in `eval/datasets/injection/`.

The first injection model learnt a length and style confound (its positives are long jailbreaks, its
negatives mostly short instructions), so it flagged assistant answers and long task prompts such as
LLM-judge prompts. These rows are ordinary long text, label 0, from MIT-licensed HaluEval copies
already in the repository plus Socle's own task-prompt templates (`task_prompts`):

- `halueval_general:response`: ChatGPT responses of `halueval_general.jsonl`;
- `halueval_qa:knowledge`: HotpotQA passages of `halueval_qa.jsonl`;
- `task_prompt:<template>`: a template filled with a question, passage and answer of those records;
- `awesome_chatgpt_prompts`: the "I want you to act as..." role prompts of f/awesome-chatgpt-prompts
  (CC0, `prompts.csv` read from a git directory at a pinned commit, `--awesome-prompts`), the benign
  prompts from the very sites the jailbreaks were collected on; those that are also jailbreak rows
  of `train.jsonl` / `test.jsonl` (DAN and two others) are left out.

Every record goes to training or evaluation by a SHA-256 of its text (`held_out`), never both; the
evaluation set's templated prompts use `task_prompts.HELD_OUT` wordings and held-out records only.
Deterministic: same inputs, same files.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from training.classifiers.prepare_data import dedupe, git_show
from training.classifiers.task_prompts import HELD_OUT, TRAIN

ROOT = Path(__file__).resolve().parent.parent.parent
HALUEVAL = ROOT / "eval" / "datasets" / "hallucination"
OUT = ROOT / "eval" / "datasets" / "injection"
AWESOME_PROMPTS = ("82f15563c9284c01ca54f0b915ae1aeda5a0fc3a", "prompts.csv")
"""f/awesome-chatgpt-prompts @ commit (2023-11-08, 166 prompts), file."""
HELD_OUT_SHARE = 5
"""One record in this many (by hash) is held out for evaluation."""

Row = dict[str, object]


@dataclass(frozen=True, slots=True)
class Record:
    """Benign content: a question, a passage (or response) about it, and a short answer."""

    source: str
    question: str
    passage: str
    answer: str


def digest(text: str) -> str:
    """The SHA-256 hex digest of `text` (the split and ordering key)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def held_out(text: str) -> bool:
    """Whether a record keyed by `text` belongs to the evaluation side (about 1 in `HELD_OUT_SHARE`)."""
    return int(digest(text)[:8], 16) % HELD_OUT_SHARE == 0


def _jsonl(path: Path) -> Iterator[dict[str, str]]:
    for line in path.read_text(encoding="utf-8").split("\n"):
        if line.strip():
            yield json.loads(line)


def records(folder: Path = HALUEVAL) -> list[Record]:
    """HaluEval general responses and QA passages, deduplicated, in hash order."""
    out: dict[str, Record] = {}
    for rec in _jsonl(folder / "halueval_general.jsonl"):
        response = rec["chatgpt_response"].strip()
        if len(response) >= 100:
            out.setdefault(
                response, Record("halueval_general:response", rec["user_query"], response, response)
            )
    for rec in _jsonl(folder / "halueval_qa.jsonl"):
        passage = rec["knowledge"].strip()
        out.setdefault(
            passage, Record("halueval_qa:knowledge", rec["question"], passage, rec["right_answer"])
        )
    return sorted(out.values(), key=lambda r: digest(r.passage))


def role_prompts(git_dir: Path, injection: Path = OUT) -> list[Row]:
    """The awesome-chatgpt-prompts role prompts that are not jailbreak rows of the injection splits."""
    commit, path = AWESOME_PROMPTS
    attacks = {
        _opening(r["text"]) for s in ("train", "test") for r in _jsonl(injection / f"{s}.jsonl") if r["label"]
    }
    rows: list[Row] = [
        {"text": rec["prompt"].strip(), "label": 0, "source": "awesome_chatgpt_prompts"}
        for rec in csv.DictReader(io.StringIO(git_show(git_dir, commit, path)))
        if _opening(rec["prompt"]) not in attacks
    ]
    return sorted(dedupe(rows), key=lambda r: digest(str(r["text"])))


def _opening(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()[:200]


def fill(templates: dict[str, str], pool: Sequence[Record], per_template: int) -> list[Row]:
    """`per_template` prompts of each template, taking records from `pool` in turn (`other`: the next)."""
    rows: list[Row] = []
    at = 0
    for name, template in templates.items():
        for _ in range(per_template):
            record, other = pool[at % len(pool)], pool[(at + 1) % len(pool)]
            at += 1
            text = template.format(
                question=record.question, passage=record.passage, answer=record.answer, other=other.passage
            )
            rows.append({"text": text, "label": 0, "source": f"task_prompt:{name}"})
    return rows


def _plain(pool: Sequence[Record], source: str, count: int) -> list[Row]:
    chosen = [r for r in pool if r.source == source][:count]
    return [{"text": r.passage, "label": 0, "source": r.source} for r in chosen]


def build(
    folder: Path = HALUEVAL,
    *,
    roles: Sequence[Row] = (),
    responses: tuple[int, int] = (800, 200),
    per_template: tuple[int, int] = (20, 16),
) -> tuple[list[Row], list[Row]]:
    """(training rows, evaluation rows); `responses` and `per_template` give (training, evaluation) counts.

    `roles` (role prompts) are split by hash like the records. The HaluEval judge template is filled
    with 40 held-out records (the judge suite's usual sample size).
    """
    pool = records(folder)
    train_pool = [r for r in pool if not held_out(r.passage)]
    eval_pool = [r for r in pool if held_out(r.passage)]
    train = [
        *_plain(train_pool, "halueval_general:response", responses[0]),
        *_plain(train_pool, "halueval_qa:knowledge", len(train_pool)),
        *fill(TRAIN, train_pool[::-1], per_template[0]),
        *(r for r in roles if not held_out(str(r["text"]))),
    ]
    judged = [r for r in eval_pool if r.source == "halueval_general:response"]
    evaluation = [
        *_plain(eval_pool, "halueval_general:response", responses[1]),
        *_plain(eval_pool, "halueval_qa:knowledge", len(eval_pool)),
        *fill({"halueval_judge": HELD_OUT["halueval_judge"]}, judged[::-1], 40),
        *fill({k: v for k, v in HELD_OUT.items() if k != "halueval_judge"}, eval_pool[::-1], per_template[1]),
        *(r for r in roles if held_out(str(r["text"]))),
    ]
    return train, evaluation


def write(path: Path, rows: list[Row]) -> None:
    """Write `rows` as JSONL."""
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and write `train_long.jsonl` and `benign_long.jsonl`."""
    parser = argparse.ArgumentParser(description="Build the injection classifier's benign long texts.")
    parser.add_argument("--halueval", type=Path, default=HALUEVAL, help="folder of the HaluEval copies")
    parser.add_argument(
        "--awesome-prompts", type=Path, required=True, help="git directory of f/awesome-chatgpt-prompts"
    )
    parser.add_argument("--out", type=Path, default=OUT, help="where the two JSONL files are written")
    args = parser.parse_args(argv)
    train, evaluation = build(args.halueval, roles=role_prompts(args.awesome_prompts, args.out))
    write(args.out / "train_long.jsonl", train)
    write(args.out / "benign_long.jsonl", evaluation)


if __name__ == "__main__":
    main()
