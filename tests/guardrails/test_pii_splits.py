"""The PII sets' splits: no template, no near-duplicate and no hand-written text crosses them (issue #17)."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from socle.eval.pii_annotated import parse_annotated
from socle.eval.pii_scoring import (
    DATASETS,
    NEAR_DUPLICATE,
    load_records,
    shingles,
    similarity,
    template_groups,
)


def _masked(records: list[dict[str, Any]]) -> dict[Any, frozenset[tuple[str, ...]]]:
    return {r["template_id"]: shingles(r.get("masked") or r["full_text"]) for r in records}


@pytest.mark.parametrize(("dataset", "least"), [("synth", 500), ("french", 120)])
def test_no_template_and_no_near_duplicate_template_crosses_the_split(dataset: str, least: int) -> None:
    dev, test = load_records(dataset, "dev", None), load_records(dataset, "test", None)
    assert len(test) >= least and len(dev) >= least
    assert not {r["template_id"] for r in dev} & {r["template_id"] for r in test}
    dev_masked, test_masked = _masked(dev), _masked(test)
    crossing = [
        (a, b)
        for (a, x), (b, y) in itertools.product(dev_masked.items(), test_masked.items())
        if similarity(x, y) >= NEAR_DUPLICATE
    ]
    assert crossing == []


def test_near_duplicate_templates_are_one_group_and_others_are_not() -> None:
    records = [
        {"template_id": 141, "masked": "We moved here from {{GPE}}", "full_text": "We moved here from Oslo"},
        {"template_id": 142, "masked": "We moved here from {{GPE}}", "full_text": "We moved here from Lima"},
        {"template_id": 7, "masked": "Call {{PERSON}} at {{PHONE_NUMBER}} today", "full_text": "x"},
    ]
    groups = template_groups(records)
    assert groups[141] == groups[142] != groups[7]


def test_the_synth_test_split_was_mostly_shared_with_dev_before_and_is_not_now() -> None:
    # The old rule split by text: 541 of the 602 test records had a template in dev.
    records = json.loads(DATASETS["synth"].read_text(encoding="utf-8"))
    dev_templates = {r["template_id"] for r in load_records("synth", "dev", None)}
    test = load_records("synth", "test", None)
    assert sum(r["template_id"] in dev_templates for r in test) == 0
    assert len(test) + len(load_records("synth", "dev", None)) == len(records)


def _workplace(name: str) -> list[dict[str, Any]]:
    return parse_annotated(DATASETS[name].read_text(encoding="utf-8"))


def test_the_french_workplace_sets_are_large_enough_and_their_spans_hold() -> None:
    heldout, dev = _workplace("french-workplace-heldout"), _workplace("french-workplace-dev")
    assert len(heldout) >= 40 and len(dev) >= 40
    for record in heldout + dev:
        assert record["spans"], record["full_text"]
        for span in record["spans"]:
            assert record["full_text"][span["start_position"] : span["end_position"]] == span["entity_value"]
    assert load_records("french-workplace-heldout", "all", None) == heldout


def test_the_french_workplace_halves_share_no_text_and_no_value() -> None:
    heldout, dev = _workplace("french-workplace-heldout"), _workplace("french-workplace-dev")
    for a, b in itertools.product(heldout, dev):
        assert similarity(shingles(a["full_text"]), shingles(b["full_text"])) < NEAR_DUPLICATE
    values = [{s["entity_value"].casefold() for r in half for s in r["spans"]} for half in (heldout, dev)]
    assert values[0].isdisjoint(values[1])


def test_an_unclosed_annotation_is_refused() -> None:
    with pytest.raises(ValueError, match="unclosed"):
        parse_annotated("Bonjour [[PERSON|Jean")


def test_the_second_heldout_sets_hold_and_share_nothing_with_the_sets_tuned_on() -> None:
    french, english = _workplace("workplace-heldout2-fr"), _workplace("workplace-heldout2-en")
    assert len(french) >= 40 and len(english) >= 15
    for record in french + english:
        for span in record["spans"]:
            assert record["full_text"][span["start_position"] : span["end_position"]] == span["entity_value"]
    tuned = _workplace("french-workplace-heldout") + _workplace("french-workplace-dev")
    for a, b in itertools.product(french, tuned):
        assert similarity(shingles(a["full_text"]), shingles(b["full_text"])) < NEAR_DUPLICATE
    values = [{s["entity_value"].casefold() for r in half for s in r["spans"]} for half in (french, tuned)]
    assert values[0].isdisjoint(values[1])
