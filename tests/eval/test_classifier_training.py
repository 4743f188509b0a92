"""Classifier training choices: hand-written rows weighted, dev broken down by language, probe held out."""

from __future__ import annotations

import json

import pytest

from training.classifiers import authored_injection, authored_toxicity
from training.classifiers.splits import DATASETS, FIXED, ROLES
from training.classifiers.train import (
    TASK_DATA,
    Options,
    dev_breakdown,
    kept,
    language_thresholds,
    row_weights,
    threshold_per_language,
    weighted_windows,
)

LONG = " ".join(f"w{i}" for i in range(100))


def test_hand_written_rows_get_the_authored_weight_and_each_window_its_text_weight() -> None:
    rows = [
        {"text": "you idiot", "label": 1, "source": "authored:workplace:en:wp_chat_insult_en"},
        {"text": LONG, "label": 0, "source": "davidson:2"},
    ]
    options = Options(window=32, max_windows=4, indirect=0, authored_weight=5.0)
    weights = row_weights(rows, options)
    assert weights == [5.0, 1.0]
    texts, labels, window_weights = weighted_windows(
        [r["text"] for r in rows], [r["label"] for r in rows], options, weights=weights
    )
    assert (
        len(texts) == len(labels) == len(window_weights) == 1 + 4
    )  # one short text, four windows of the long
    assert window_weights == [5.0, 1.0, 1.0, 1.0, 1.0]
    assert labels == [1, 0, 0, 0, 0]


def test_dev_breakdown_counts_recall_and_false_positives_per_language_by_hand() -> None:
    rows = [
        {"label": 1, "source": "authored:workplace:fr:a"},
        {"label": 1, "source": "authored:workplace:fr:a"},
        {"label": 0, "source": "authored:workplace:fr:b"},
        {"label": 1, "source": "davidson:0"},
        {"label": 0, "source": "davidson:2"},
    ]
    got = dev_breakdown(rows, [0.9, 0.2, 0.6, 0.7, 0.1], threshold=0.5)
    assert got == {
        "authored_fr.recall": 0.5, "authored_fr.fpr": 1.0,
        "en.recall": 1.0, "en.fpr": 0.0,
        "fr.recall": 0.5, "fr.fpr": 1.0,
    }  # fmt: skip


FR_TEXT = "je crois que le rapport est prêt pour la réunion"
EN_TEXT = "i think that the report is ready for the meeting"


def test_language_thresholds_group_rows_by_the_runtime_guess_not_by_source() -> None:
    # An English text from a French source counts as English: the rail will guess it so.
    rows = [
        *({"text": FR_TEXT, "label": 0, "source": "socle_fr:1"} for _ in range(4)),
        {"text": EN_TEXT, "label": 0, "source": "socle_fr:2"},
        *({"text": EN_TEXT, "label": 0, "source": "davidson:2"} for _ in range(3)),
        {"text": "12345", "label": 0, "source": "davidson:2"},
    ]
    scores = [0.1, 0.2, 0.3, 0.4, 0.9, 0.1, 0.2, 0.3, 0.99]
    got = language_thresholds(rows, scores, 0.0)
    assert set(got) == {"en", "fr"}  # the unguessable text gets the default threshold, not its own
    assert 0.4 < got["fr"] <= 0.400001 and 0.9 < got["en"] <= 0.900001


def test_dev_breakdown_holds_each_row_to_its_language_threshold() -> None:
    rows = [
        {"text": FR_TEXT, "label": 1, "source": "socle_fr:1"},
        {"text": FR_TEXT, "label": 0, "source": "socle_fr:1"},
        {"text": EN_TEXT, "label": 1, "source": "davidson:0"},
        {"text": "12345", "label": 1, "source": "davidson:0"},
    ]
    got = dev_breakdown(rows, [0.7, 0.5, 0.7, 0.7], threshold=0.9, by_language={"fr": 0.6, "en": 0.8})
    assert got == {"en.recall": 0.0, "fr.recall": 1.0, "fr.fpr": 0.0}


def test_the_threshold_holds_the_target_in_each_language() -> None:
    en = [{"label": 0, "source": "davidson:2"} for _ in range(10)]
    fr = [{"label": 0, "source": "authored:workplace:fr:b"} for _ in range(10)]
    positives = [{"label": 1, "source": "authored:workplace:fr:a"}]
    scores = [0.1] * 9 + [0.5] + [0.1] * 8 + [0.8, 0.9] + [0.95]
    rows = [*en, *fr, *positives]
    # 10 % allowed: English lets its one 0.5 through, French must stop above its second-highest 0.8
    threshold = threshold_per_language(rows, scores, 0.1)
    assert 0.8 < threshold <= 0.9
    assert sum(s >= threshold for r, s in zip(rows, scores, strict=True) if r["label"] == 0) == 1


def test_excluded_sources_leave_training_and_dev() -> None:
    rows = [{"source": "mlma:normal"}, {"source": "davidson:2"}, {"source": "mlmax:1"}]
    assert kept(rows, Options(exclude="mlma")) == rows[1:]
    assert kept(rows, Options(exclude=" mlma , davidson")) == rows[2:]
    assert kept(rows, Options()) == rows


HELD_OUT = [(task, stem) for task in sorted(ROLES) for stem in ("probe", "heldout", "heldout_round5")] + [
    ("hidden_instructions", "heldout_documents")
]


@pytest.mark.parametrize(("task", "stem"), HELD_OUT)
def test_the_probes_are_held_out_from_training_and_tuning_and_read_with_the_test_side(
    task: str, stem: str
) -> None:
    data = TASK_DATA[task]
    assert stem not in (*data.train, *data.dev) and stem in data.test
    assert f"{stem}.jsonl" in FIXED[data.folder]  # the splitter never rewrites it
    assert f"{stem}.jsonl" in ROLES[data.folder]["probe"]  # the near-duplicate check reads it
    path = DATASETS / data.folder / f"{stem}.jsonl"
    rows = [json.loads(line) for line in path.read_text("utf-8").splitlines()]
    sources = {r["source"].split(":")[1] for r in rows}
    assert sources == {"en", "fr"}
    for lang in sources:
        labels = {r["label"] for r in rows if f":{lang}:" in r["source"]}
        assert labels == {0, 1}, lang


def test_workplace_families_use_only_slots_their_pools_fill() -> None:
    import re

    for module in (authored_injection, authored_toxicity):
        for family in module.FAMILIES:
            pools = module.POOLS[family.lang]
            for template in family.templates:
                assert set(re.findall(r"\{(\w+)\}", template)) <= set(pools), (family.name, template)
