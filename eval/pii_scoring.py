"""PII scoring, shared by `training/pii/evaluate.py` and the `pii` suite: spans in, precision/recall/F2 out.

Matching rule (span level): entity names are first mapped to evaluation types (`EVAL_TYPES`), then
spans of one type that touch or are separated only by spaces and punctuation are merged, in the
gold set and in the predictions alike (the dataset splits some addresses into street, city and
postcode). A prediction matches a gold span of the same type when they overlap on at least half of
the longer one; each span matches at most once. F2 weighs recall twice as much as precision.
Records are split in two halves by a hash of their template (`split_key`): tune on `dev`, report
`test`. No template has records on both sides, so the test half measures sentences of a shape never
tuned on (issue #17: split by text, 541 of the 602 test records shared a template with dev).
"""

from __future__ import annotations

import hashlib
import json
import re
import statistics
from collections import Counter
from collections.abc import Container, Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from socle.eval.pii_annotated import parse_annotated

DATA = Path(__file__).resolve().parent / "datasets" / "pii"
DATASETS = {
    "synth": DATA / "presidio_synth_v2.json",
    "french": DATA / "french_pii.json",
    "french-workplace-dev": DATA / "french_workplace_dev.txt",
    "french-workplace-heldout": DATA / "french_workplace_heldout.txt",
    "workplace-heldout2-fr": DATA / "workplace_heldout2_fr.txt",
    "workplace-heldout2-en": DATA / "workplace_heldout2_en.txt",
}
"""The built-in labelled sets: presidio-research's synthetic v2 (MIT), Socle's generated French set,
and Socle's hand-written French workplace texts (mails, tickets, call notes; each file is one split:
tune on `-dev`, report `-heldout`, read with `split="all"`), and the second held-out sets of
issue #17 (`workplace-heldout2-fr`, `-en`: written before round 2's changes, test sets only)."""

EVAL_TYPES: Mapping[str, str] = {
    # presidio_synth_v2 names -> evaluation types
    "STREET_ADDRESS": "LOCATION",
    "GPE": "LOCATION",
    "ZIP_CODE": "LOCATION",
    "DOMAIN_NAME": "URL",
    # Socle's names -> evaluation types
    "FR_PHONE_NUMBER": "PHONE_NUMBER",
    "FR_IBAN": "IBAN_CODE",
}
"""Dataset and Socle entity names that are the same thing for scoring; other names map to themselves."""

_GAP = re.compile(r"[\s,.;:>()\-]*")


@dataclass(frozen=True, slots=True)
class Item:
    """A span reduced to what scoring needs."""

    start: int
    end: int
    type: str


def eval_type(entity: str) -> str:
    """The evaluation type of a dataset or Socle entity name."""
    return EVAL_TYPES.get(entity, entity)


def in_split(key: str, split: str) -> bool:
    """`dev` and `test` are the halves of the data by the parity of the first byte of sha256(key)."""
    if split == "all":
        return True
    parity = hashlib.sha256(key.encode()).digest()[0] % 2
    return (parity == 0) == (split == "dev")


NEAR_DUPLICATE = 0.8
"""Shingle similarity (Jaccard of word 3-grams) from which two templates count as one."""
_WORD = re.compile(r"\{\{\w+\}\}|\w+")


def shingles(text: str) -> frozenset[tuple[str, ...]]:
    """The word 3-grams of `text`, lower-cased, a `{{PLACEHOLDER}}` one word (all words if fewer)."""
    words = _WORD.findall(text.lower())
    return frozenset(tuple(words[i : i + 3]) for i in range(max(1, len(words) - 2)))


def similarity(a: frozenset[tuple[str, ...]], b: frozenset[tuple[str, ...]]) -> float:
    """Jaccard similarity of two shingle sets (0 for two empty ones)."""
    return len(a & b) / len(a | b) if a | b else 0.0


def template_groups(records: Sequence[Mapping[str, Any]]) -> dict[Any, str]:
    """Each template id -> its group: templates whose masked texts are near-duplicates are one group.

    presidio_synth_v2 has such pairs under different ids (141 and 142 are both `We moved here
    from {{GPE}}`); a group is the transitive closure of `similarity >= NEAR_DUPLICATE`, named by
    one of its ids (the same one every run).
    """
    masked: dict[Any, frozenset[tuple[str, ...]]] = {}
    for record in records:
        if record.get("template_id") is not None and record["template_id"] not in masked:
            masked[record["template_id"]] = shingles(str(record.get("masked") or record["full_text"]))
    parent = {t: t for t in masked}

    def root(t: Any) -> Any:
        while parent[t] != t:
            t = parent[t]
        return t

    ids = sorted(masked, key=str)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            if similarity(masked[a], masked[b]) >= NEAR_DUPLICATE:
                parent[root(b)] = root(a)
    return {t: f"template:{root(t)}" for t in ids}


def split_key(record: Mapping[str, Any], groups: Mapping[Any, str]) -> str:
    """What decides a record's half: its template group (`template_groups`), else its text.

    All the sentences of one template group land on the same side: a test record never shares its
    shape with a record tuned on.
    """
    template = record.get("template_id")
    return groups[template] if template is not None else str(record["full_text"])


def merge(text: str, items: Iterable[Item]) -> list[Item]:
    """Merge same-type items that overlap or are separated only by spaces and punctuation."""
    merged: list[Item] = []
    for item in sorted(items, key=lambda i: (i.type, i.start)):
        last = merged[-1] if merged else None
        if (
            last
            and last.type == item.type
            and (item.start <= last.end or _GAP.fullmatch(text[last.end : item.start]))
        ):
            merged[-1] = Item(last.start, max(last.end, item.end), item.type)
        else:
            merged.append(item)
    return merged


def match(gold: Sequence[Item], predicted: Sequence[Item]) -> tuple[Counter[str], Counter[str], Counter[str]]:
    """True positives, false positives and false negatives per type, one-to-one."""
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    used: set[int] = set()
    for g in gold:
        for i, p in enumerate(predicted):
            overlap = min(g.end, p.end) - max(g.start, p.start)
            if i not in used and p.type == g.type and overlap >= 0.5 * max(g.end - g.start, p.end - p.start):
                used.add(i)
                tp[g.type] += 1
                break
        else:
            fn[g.type] += 1
    for i, p in enumerate(predicted):
        if i not in used:
            fp[p.type] += 1
    return tp, fp, fn


ANY = "PII"
"""The one type `untyped` gives every span: a match then says "found", whatever type it was given."""


def untyped(items: Iterable[Item], keep: Container[str] | None = None) -> list[Item]:
    """`items` (those of a type in `keep`, when given) relabelled `ANY`, for detection regardless of type.

    A pseudonymizer hides a name tagged as a place just as well: this scores that, while the typed
    rows also count a person/place swap as one false positive and one miss.
    """
    return [Item(i.start, i.end, ANY) for i in items if keep is None or i.type in keep]


def scores(tp: int, fp: int, fn: int) -> dict[str, float]:
    """Precision, recall and F2 (recall weighted twice) from counts, with the counts."""
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f2 = 5 * precision * recall / (4 * precision + recall) if precision + recall else 0.0
    return {"precision": precision, "recall": recall, "f2": f2, "tp": tp, "fp": fp, "fn": fn}


def report(tp: Counter[str], fp: Counter[str], fn: Counter[str], targeted: set[str]) -> dict[str, Any]:
    """Per-type scores, plus overall rows for the targeted types and for every type."""
    types = sorted(set(tp) | set(fp) | set(fn))
    per_type = {t: {**scores(tp[t], fp[t], fn[t]), "targeted": t in targeted} for t in types}
    kept = [t for t in types if t in targeted]
    return {
        "per_entity": per_type,
        "overall_targeted": scores(
            sum(tp[t] for t in kept), sum(fp[t] for t in kept), sum(fn[t] for t in kept)
        ),
        "overall_all": scores(sum(tp.values()), sum(fp.values()), sum(fn.values())),
        "not_targeted": [t for t in types if t not in targeted],
    }


def load_records(dataset: str, split: str, limit: int | None) -> list[dict[str, Any]]:
    """The records of one split of a dataset (a name in `DATASETS` or a path)."""
    path = Path(DATASETS.get(dataset, dataset))
    source = path.read_text(encoding="utf-8")
    records: list[dict[str, Any]] = parse_annotated(source) if path.suffix == ".txt" else json.loads(source)
    groups = template_groups(records)
    chosen = [r for r in records if in_split(split_key(r, groups), split)]
    return chosen[:limit] if limit else chosen


def latency_summary(latencies_ms: Sequence[float]) -> dict[str, float]:
    """p50 (median), p95 (`sorted[int(0.95 * (n - 1))]`) and mean, as the PII report states them."""
    ordered = sorted(latencies_ms)
    if not ordered:
        return {"p50": 0.0, "p95": 0.0, "mean": 0.0}
    return {
        "p50": statistics.median(ordered),
        "p95": ordered[int(0.95 * (len(ordered) - 1))],
        "mean": statistics.fmean(ordered),
    }


@dataclass(frozen=True, slots=True)
class PIIText:
    """What the PII rail analyzes in one case."""

    text: str
    language: str = "en"
