"""JSONL datasets: the documented schemas load, and every bad row is named with its line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from socle.eval.errors import DatasetError
from socle.eval.grounded_data import DOCUMENT_PREFIX, grounded_questions
from socle.eval.jsonl import MAX_ERRORS, load_dataset, read_rows
from socle.eval.schemas import PIIRecord, QARecord
from socle.eval.suites.pii import record_case
from socle.eval.suites.retrieval import DEFAULT_DATA, qa_case

QA = {"knowledge": "Delhi is the head office.", "question": "Where is it?", "right_answer": "Delhi"}


def write(tmp_path: Path, *lines: object) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text(
        "\n".join(x if isinstance(x, str) else json.dumps(x) for x in lines) + "\n", encoding="utf-8"
    )
    return path


def test_the_bundled_halueval_copy_follows_the_qa_schema() -> None:
    rows = read_rows(DEFAULT_DATA, QARecord)
    assert len(rows) == 393 and all(r.hallucinated_answer for _, r in rows)


def test_qa_rows_become_cases(tmp_path: Path) -> None:
    path = write(tmp_path, {**QA, "id": "oberoi", "metadata": {"source": "hr"}}, "", QA)
    dataset = load_dataset(path, QARecord, qa_case)
    assert [c.name for c in dataset.cases] == ["oberoi", "line-3"]  # blank line 2 skipped
    first = dataset.cases[0]
    assert (first.inputs, first.expected_output) == ("Where is it?", ("oberoi",))
    assert first.metadata == {"source": "hr", "knowledge": "Delhi is the head office."}
    grounded = grounded_questions(path, None, None).answerable.cases[1]
    assert grounded.expected_output is not None
    assert grounded.expected_output.text == "Delhi" and grounded.expected_output.sources == (
        DOCUMENT_PREFIX + "line-3",
    )


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("{not json", "line 1: not JSON"),
        ("[1, 2]", "line 1: expected a JSON object, got list"),
        (json.dumps({"question": "q", "right_answer": "a"}), "line 1: knowledge: Field required"),
        (json.dumps({**QA, "question": ""}), "line 1: question: String should have at least 1 character"),
        (json.dumps({**QA, "answer": "typo"}), "line 1: answer: Extra inputs are not permitted"),
        (json.dumps({**QA, "right_answer": 3}), "line 1: right_answer: Input should be a valid string"),
    ],
)
def test_bad_rows_are_named(tmp_path: Path, line: str, message: str) -> None:
    with pytest.raises(DatasetError) as raised:
        read_rows(write(tmp_path, line), QARecord)
    assert message in raised.value.message and "QARecord" in raised.value.message


def test_every_bad_line_is_counted_and_the_first_ones_shown(tmp_path: Path) -> None:
    path = write(tmp_path, QA, *(["{oops"] * (MAX_ERRORS + 3)))
    with pytest.raises(DatasetError) as raised:
        read_rows(path, QARecord)
    message = raised.value.message
    assert f"{MAX_ERRORS + 3} bad row(s)" in message and "line 2:" in message and "... and 3 more" in message
    assert f"line {MAX_ERRORS + 1}:" in message and f"line {MAX_ERRORS + 2}:" not in message


def test_missing_and_empty_files(tmp_path: Path) -> None:
    with pytest.raises(DatasetError, match="does not exist"):
        read_rows(tmp_path / "nope.jsonl", QARecord)
    empty = tmp_path / "empty.jsonl"
    empty.write_text("\n\n", encoding="utf-8")
    with pytest.raises(DatasetError, match="no rows"):
        read_rows(empty, QARecord)


def test_duplicate_ids_are_refused(tmp_path: Path) -> None:
    path = write(tmp_path, {**QA, "id": "a"}, {**QA, "id": "a"})
    with pytest.raises(DatasetError, match="line 2: id 'a' already used on line 1"):
        load_dataset(path, QARecord, qa_case)


def pii_row(**changes: object) -> dict[str, object]:
    row: dict[str, object] = {
        "full_text": "Mail jane@x.org now",
        "spans": [
            {
                "entity_type": "EMAIL_ADDRESS",
                "start_position": 5,
                "end_position": 15,
                "entity_value": "jane@x.org",
            }
        ],
    }
    return row | changes


def test_pii_rows_become_cases(tmp_path: Path) -> None:
    path = write(tmp_path, pii_row(language="fr", masked="Mail {{EMAIL}} now", template_id=3, metadata=None))
    case = load_dataset(path, PIIRecord, record_case).cases[0]
    assert case.inputs.language == "fr"
    assert [(i.start, i.end, i.type) for i in case.expected_output or ()] == [(5, 15, "EMAIL_ADDRESS")]


@pytest.mark.parametrize(
    ("spans", "message"),
    [
        (
            [{"entity_type": "PERSON", "start_position": 5, "end_position": 40}],
            "spans.0: [5, 40) is not inside",
        ),
        ([{"entity_type": "PERSON", "start_position": 6, "end_position": 5}], "is not inside"),
        (
            [
                {
                    "entity_type": "EMAIL_ADDRESS",
                    "start_position": 5,
                    "end_position": 15,
                    "entity_value": "bob@x.org",
                }
            ],
            "offsets select 'jane@x.org', not entity_value 'bob@x.org'",
        ),
        ([{"entity_type": "", "start_position": 0, "end_position": 1}], "entity_type"),
    ],
)
def test_bad_pii_spans_are_named(tmp_path: Path, spans: list[dict[str, object]], message: str) -> None:
    with pytest.raises(DatasetError, match="line 1") as raised:
        read_rows(write(tmp_path, pii_row(spans=spans)), PIIRecord)
    assert message in raised.value.message
