"""Families of hand-written rows: templates with slots, filled deterministically, split by family.

A `Family` is one idea written several ways (for example "ask the model to ignore its instructions",
in French): its templates share wording, so two rows of one family are near-duplicates or close to
it. Families, never rows, go to a split: `split_of` ranks the families of each stratum (task kind,
language, label) by the SHA-256 of their name and deals them out train, train, dev, train, test, ...
so every stratum with five families or more has families on every side, and a test family's wording
was never trained on or tuned with. Rows are `{"text", "label", "source"}` with `source`
`authored:<kind>:<lang>:<family>`.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from pathlib import Path
from typing import Literal

Split = Literal["train", "dev", "test"]
DEAL: tuple[Split, ...] = ("train", "train", "dev", "train", "test")
"""The order in which the families of one stratum (SHA-256 order) are dealt to the splits."""
_SLOT = re.compile(r"\{(\w+)\}")

Row = dict[str, object]


@dataclass(frozen=True, slots=True)
class Family:
    """Templates of one idea; `{slot}`s are filled from the pools of the family's language."""

    name: str
    label: int
    templates: Sequence[str]
    _: KW_ONLY
    lang: str = "en"
    kind: str = "direct"
    rows: int = 24

    @property
    def stratum(self) -> tuple[str, str, int]:
        """(kind, language, label): families are dealt to splits within their stratum."""
        return (self.kind, self.lang, self.label)

    @property
    def source(self) -> str:
        """The `source` field of this family's rows."""
        return f"authored:{self.kind}:{self.lang}:{self.name}"


def digest(text: str) -> str:
    """The SHA-256 hex digest of `text`."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def fill(template: str, pools: Mapping[str, Sequence[str]], rng: random.Random) -> str:
    """`template` with each `{slot}` replaced by a random value of `pools[slot]`."""
    return _SLOT.sub(lambda m: rng.choice(pools[m.group(1)]), template)


def generate(family: Family, pools: Mapping[str, Mapping[str, Sequence[str]]]) -> list[Row]:
    """Up to `family.rows` distinct rows, the templates taken in turn (seeded by the family's name)."""
    rng = random.Random(digest(family.name))
    language_pools = pools.get(family.lang, {})
    seen: dict[str, None] = {}
    for attempt in range(family.rows * 4):
        template = family.templates[attempt % len(family.templates)]
        seen.setdefault(fill(template, language_pools, rng), None)
        if len(seen) >= family.rows:
            break
    return [{"text": text, "label": family.label, "source": family.source} for text in seen]


def split_of(families: Iterable[Family]) -> dict[str, Split]:
    """Family name -> split, dealt within each stratum in SHA-256 order of the names (see `DEAL`)."""
    strata: dict[tuple[str, str, int], list[str]] = {}
    for family in families:
        strata.setdefault(family.stratum, []).append(family.name)
    out: dict[str, Split] = {}
    for names in strata.values():
        for i, name in enumerate(sorted(names, key=digest)):
            out[name] = DEAL[i % len(DEAL)]
    return out


def rows_by_split(
    families: Sequence[Family], pools: Mapping[str, Mapping[str, Sequence[str]]]
) -> dict[Split, list[Row]]:
    """Every family's rows, grouped by the split of their family.

    Raises:
        ValueError: two families share a name.
    """
    names = [f.name for f in families]
    if len(set(names)) != len(names):
        raise ValueError(f"duplicate family names: {sorted({n for n in names if names.count(n) > 1})}")
    splits = split_of(families)
    out: dict[Split, list[Row]] = {"train": [], "dev": [], "test": []}
    for family in families:
        out[splits[family.name]] += generate(family, pools)
    return out


def batch_files(
    families: Sequence[Family], pools: Mapping[str, Mapping[str, Sequence[str]]], suffix: str
) -> dict[str, list[Row]]:
    """File name -> rows of one batch of families (`train_<suffix>.jsonl`, ...; sides with rows only)."""
    return {f"{side}_{suffix}.jsonl": rows for side, rows in rows_by_split(families, pools).items() if rows}


def write_batch(
    batches: Mapping[str, Sequence[Family]],
    pools: Mapping[str, Mapping[str, Sequence[str]]],
    suffix: str,
    datasets: Path,
) -> None:
    """Write `batch_files` of each dataset folder's families into `datasets/<folder>/`."""
    for folder, families in batches.items():
        for name, rows in batch_files(families, pools, suffix).items():
            text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
            (datasets / folder / name).write_text(text, encoding="utf-8")
