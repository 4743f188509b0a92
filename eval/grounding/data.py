"""HaluEval QA as labelled answers, the held-out split, and synthetic perturbations of source sentences.

A HaluEval QA record holds `knowledge` (the sources), a `question`, a `right_answer` (supported,
label 0) and a `hallucinated_answer` (unsupported, label 1). Every fifth record (`index % 5 == 4`)
is held out: the trainer never sees it and the `hallucination-detector` suite scores it.
"""

from __future__ import annotations

import random
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from socle.eval.errors import DatasetError
from socle.eval.jsonl import read_rows
from socle.eval.schemas import QARecord
from socle.guardrails.claims import split_sentences

DATASET = Path(__file__).resolve().parent.parent / "datasets" / "hallucination" / "halueval_qa.jsonl"
HELD_OUT_EVERY = 5
_NUMBER = re.compile(r"\b\d+\b")
_NAME = re.compile(r"(?<=\s)[A-Z][a-z]{2,}\b")
_COPULA = re.compile(r"\b(is|was|are|were|has|had)\b")


@dataclass(frozen=True, slots=True)
class Example:
    """One answer to check against `sources`: label 1 when it is unsupported (hallucinated)."""

    group: int
    sources: tuple[str, ...]
    answer: str
    label: int
    kind: str = "halueval"


def load_records(path: Path = DATASET, limit: int | None = None) -> list[dict[str, str]]:
    """HaluEval QA records (`knowledge`, `question`, `right_answer`, `hallucinated_answer`).

    Raises:
        DatasetError: the file is missing, rows do not follow the `QARecord` schema, or a row has no
            `hallucinated_answer` (the detector needs both answers).
    """
    records = []
    for number, row in read_rows(path, QARecord)[:limit]:
        if row.hallucinated_answer is None:
            raise DatasetError(
                f"{path}: line {number}: the hallucination detector needs `hallucinated_answer`"
            )
        fields = ("knowledge", "question", "right_answer", "hallucinated_answer")
        records.append({k: str(getattr(row, k)) for k in fields})
    return records


def is_held_out(index: int) -> bool:
    """Whether record `index` (0-based, file order) belongs to the held-out split."""
    return index % HELD_OUT_EVERY == HELD_OUT_EVERY - 1


def pairs(records: Sequence[dict[str, str]], indices: Sequence[int]) -> list[Example]:
    """The right (0) and hallucinated (1) answer of each record in `indices`, grouped by record."""
    examples = []
    for i in indices:
        record = records[i]
        sources = (record["knowledge"],)
        examples.append(Example(i, sources, record["right_answer"], 0))
        examples.append(Example(i, sources, record["hallucinated_answer"], 1))
    return examples


def perturb(sentence: str, names: Sequence[str], rng: random.Random) -> tuple[str, str] | None:
    """A sentence that contradicts `sentence`, and how: a number changed, a name swapped, or negated."""
    found = _NUMBER.findall(sentence)
    if found:
        old = rng.choice(found)
        return sentence.replace(old, str(int(old) + rng.choice((2, 3, 7, 11))), 1), "number"
    present = _NAME.findall(sentence)
    others = [n for n in names if n not in sentence]
    if present and others:
        return sentence.replace(rng.choice(present), rng.choice(others), 1), "name"
    if _COPULA.search(sentence):
        return _COPULA.sub(r"\1 not", sentence, count=1), "negation"
    return None


def shortened(sentence: str, rng: random.Random, most: int = 3) -> str:
    """`sentence` without 1 to `most` of its lower-case words: a looser claim it still (mostly) entails.

    The first and last words, numbers, names and negations stay; the word pairs around the gaps
    are new, as in a paraphrase.
    """
    tokens = sentence.split(" ")
    candidates = [
        i
        for i, t in enumerate(tokens[1:-1], start=1)
        if t.isalpha() and t.islower() and t not in {"not", "no", "never", "nor", "neither"}
    ]
    if not candidates:
        return sentence
    dropped = set(rng.sample(candidates, min(len(candidates), rng.randint(1, most))))
    return " ".join(t for i, t in enumerate(tokens) if i not in dropped)


def synthetic(records: Sequence[dict[str, str]], indices: Sequence[int], seed: int = 13) -> list[Example]:
    """Per record: a source sentence verbatim (0), one `shortened` (0), one perturbed (1), by record.

    The perturbed sentence is shortened first half of the time.

    They teach the model that a long claim can be supported, that word pairs absent from the
    sources are not enough to call it unsupported, and that one changed number or name is; the
    HaluEval pairs alone (short right answers, long hallucinated ones) teach none of this.
    """
    rng = random.Random(seed)
    names = sorted({n for r in records for n in _NAME.findall(r["knowledge"])})
    examples = []
    for i in indices:
        knowledge = records[i]["knowledge"]
        sentences = [
            knowledge[a:b] for a, b in split_sentences(knowledge) if len(knowledge[a:b].split()) >= 6
        ]
        if not sentences:
            continue
        sources = (knowledge,)
        examples.append(Example(i, sources, rng.choice(sentences), 0, "verbatim"))
        examples.append(Example(i, sources, shortened(rng.choice(sentences), rng), 0, "shortened"))
        base = rng.choice(sentences)
        changed = perturb(shortened(base, rng) if rng.random() < 0.5 else base, names, rng)
        if changed is not None:
            examples.append(Example(i, sources, changed[0], 1, changed[1]))
    return examples
