"""The questions of `grounded-qa`: HaluEval QA's dev or test split, answerable and unanswerable.

Each record gives two questions. **Answerable**: its question, over the knowledge base holding every
selected record's document (its own among them). **Unanswerable**: its question, asked where the only
document is another record's, chosen by a fixed derangement (a seeded Sattolo cycle over the split:
no record keeps its own document, the same pairs on every run, and `--limit N` takes the first N
records of both lists, a prefix of the full run).

Splits of the built-in file: `test` is the records whose 0-based index is 4 mod 5 (78 records; the
groundedness detector never trained on them), `dev` the other 315. The test split is read once per
release (docs/evaluation.md); day-to-day work uses `dev`. A `--data` file is used whole.
"""

from __future__ import annotations

import random
from dataclasses import KW_ONLY, dataclass
from pathlib import Path

from socle.eval.base import Case, Dataset, GroundedAnswer, Split
from socle.eval.errors import SuiteUnavailableError
from socle.eval.jsonl import read_rows
from socle.eval.schemas import QARecord

DEFAULT_DATA = Path(__file__).resolve().parent / "datasets" / "hallucination" / "halueval_qa.jsonl"
DOCUMENT_PREFIX = "socle-eval-qa/"
DEFAULT_SPLIT: Split = "test"
TEST_EVERY = 5
DERANGEMENT_SEED = 16


@dataclass(frozen=True, slots=True)
class Question:
    """A question, the one document it is asked over, and that document's text (what judges read)."""

    text: str
    document_id: str
    knowledge: str
    _: KW_ONLY
    answerable: bool = True  # False: the document is another record's, the right reply abstains


GroundedCase = Case[Question, GroundedAnswer]


@dataclass(frozen=True, slots=True)
class GroundedQuestions:
    """The two question lists of a run, and where they come from (as reports and baselines show it)."""

    answerable: Dataset[Question, GroundedAnswer]
    unanswerable: Dataset[Question, GroundedAnswer]
    description: str


def in_split(index: int, split: Split) -> bool:
    """Whether record `index` (0-based, file order) of the built-in file belongs to `split`."""
    return (index % TEST_EVERY == TEST_EVERY - 1) == (split == "test")


def derangement(n: int, seed: int = DERANGEMENT_SEED) -> list[int]:
    """A fixed permutation of `range(n)` with no fixed point (Sattolo's algorithm: one n-cycle), n >= 2."""
    if n < 2:
        raise ValueError(f"a derangement needs at least 2 items, not {n}")
    order = list(range(n))
    rng = random.Random(seed)
    for i in range(n - 1, 0, -1):
        j = rng.randrange(i)
        order[i], order[j] = order[j], order[i]
    return order


def _named(path: Path, split: Split | None) -> list[tuple[str, QARecord]]:
    rows = read_rows(path, QARecord)
    named = [(row.id or f"line-{number}", row) for number, row in rows]
    if split is None:
        return named
    return [item for index, item in enumerate(named) if in_split(index, split)]


def _answerable(name: str, record: QARecord) -> GroundedCase:
    document = DOCUMENT_PREFIX + name
    expected = GroundedAnswer(record.right_answer, (document,))
    return Case(name, Question(record.question, document, record.knowledge), expected, record.metadata or {})


def _unanswerable(name: str, record: QARecord, other: str, knowledge: str) -> GroundedCase:
    document = DOCUMENT_PREFIX + other
    question = Question(record.question, document, knowledge, answerable=False)
    return Case(f"{name}/over-{other}", question, GroundedAnswer("", (document,)), record.metadata or {})


def grounded_questions(data: Path | None, split: Split | None, limit: int | None) -> GroundedQuestions:
    """The first `limit` records of `split` of the built-in file (default `test`), or of `data`, whole.

    Raises:
        SuiteUnavailableError: `split` with `data` (a file of one's own has no splits).
        DatasetError: the file is missing or has bad rows.
    """
    if data is not None and split is not None:
        raise SuiteUnavailableError(
            "--split applies to the built-in HaluEval data; a --data file is used whole"
        )
    path = data or DEFAULT_DATA
    chosen = split if data is None else None
    if data is None and chosen is None:
        chosen = DEFAULT_SPLIT
    named = _named(path, chosen)
    others = derangement(len(named)) if len(named) >= 2 else []
    count = len(named) if limit is None else min(limit, len(named))
    answerable = tuple(_answerable(name, record) for name, record in named[:count])
    unanswerable = tuple(
        _unanswerable(name, record, named[others[i]][0], named[others[i]][1].knowledge)
        for i, (name, record) in enumerate(named[:count])
        if others
    )
    where = f"{path}, {chosen} split" if chosen else str(path)
    description = (
        f"{where} ({count} records: {len(answerable)} answerable + {len(unanswerable)} unanswerable)"
    )
    return GroundedQuestions(
        Dataset("grounded-qa", answerable, source=str(path)),
        Dataset("grounded-qa-unanswerable", unanswerable, source=str(path)),
        description,
    )
