r"""Split the classifier data by source passage, prompt family and template, never by row.

    python -m training.classifiers.splits injection     # or toxicity

rewrites the split files of `eval/datasets/<task>/` from the rows they already hold (the pool) plus
the hand-written families (`authored_injection`, `authored_toxicity`), so it is idempotent: run twice,
same files. `ROLES` says which file plays which role; `tests/eval/test_splits.py` checks that no two
texts of different roles are near-duplicates (`near_dup`, word 3-shingle Jaccard >= 0.8).

How a row's side is chosen:

1. Each row gets a group: its P3 template (`p3:<template>`), its French PII template, its
   hand-written family, or the row itself; near-duplicate rows (Jaccard >= `GROUP_THRESHOLD`) are
   joined into one group, also with the rows of the files this module does not rewrite (`FIXED`:
   benign long texts, chat turns and documents, built by their own modules), whose side they take.
2. Templates and families are dealt to train / dev / test whole (`families.DEAL`); other groups go by
   the SHA-256 of their first member: 70 % train, 15 % dev, 15 % test.
3. Out-of-distribution rows (Giskard's collection) are kept only when no row of the other sides is
   close to them (Jaccard or containment of shingles >= `OOD_THRESHOLD`): the set used to hold
   training jailbreaks with a name swapped.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable, Iterable
from pathlib import Path

from training.classifiers import authored_injection, authored_toxicity, near_dup
from training.classifiers.families import DEAL, Row, digest, rows_by_split

DATASETS = Path(__file__).resolve().parents[2] / "eval" / "datasets"
FRENCH_PII = DATASETS / "pii" / "french_pii.json"
ROLES: dict[str, dict[str, tuple[str, ...]]] = {
    "injection": {
        "train": ("train.jsonl", "train_long.jsonl", "train_chat.jsonl", "documents_train.jsonl",
                  "train_round3.jsonl", "train_round5.jsonl"),
        "dev": ("dev.jsonl", "documents_dev.jsonl", "dev_round3.jsonl", "dev_round5.jsonl", "dev_long.jsonl"),
        "test": ("test.jsonl", "test_authored.jsonl", "indirect.jsonl", "benign_long.jsonl",
                 "benign_chat.jsonl", "documents_test.jsonl"),
        "ood": ("ood.jsonl",),
        "probe": ("probe.jsonl", "heldout.jsonl", "heldout_documents.jsonl", "heldout_round5.jsonl"),
    },
    "toxicity": {
        "train": ("train.jsonl", "train_fr.jsonl", "train_round3.jsonl", "train_round5.jsonl"),
        "dev": ("dev.jsonl", "dev_round3.jsonl", "dev_round5.jsonl"),
        "test": ("test.jsonl", "test_fr.jsonl", "test_authored.jsonl", "test_fr_authored.jsonl",
                 "test_round3.jsonl"),
        "probe": ("probe.jsonl", "heldout.jsonl", "heldout_round5.jsonl"),
    },
}  # fmt: skip
"""Task -> role -> the files of that role. No text may be a near-duplicate of a text of another role.
`probe` holds the held-out probe sets of workplace texts (written by hand before any model of their
release was trained, never trained or tuned on: `probe.jsonl` in round 2, `heldout*.jsonl` in round 4,
`heldout_round5.jsonl` in round 5):
they never steer a split, the test only checks them."""
FIXED = {
    "injection": ("train_long.jsonl", "train_chat.jsonl", "documents_train.jsonl", "documents_dev.jsonl",
                  "benign_long.jsonl", "benign_chat.jsonl", "documents_test.jsonl", "probe.jsonl",
                  "heldout.jsonl", "heldout_documents.jsonl", "train_round3.jsonl", "dev_round3.jsonl",
                  "heldout_round5.jsonl", "train_round5.jsonl", "dev_round5.jsonl", "dev_long.jsonl"),
    "toxicity": ("probe.jsonl", "heldout.jsonl", "train_round3.jsonl", "dev_round3.jsonl",
                 "test_round3.jsonl", "heldout_round5.jsonl", "train_round5.jsonl", "dev_round5.jsonl"),
}  # fmt: skip
"""Files written by other builders (`*_round3.jsonl`: `authored_round3`, `*_round5.jsonl`:
`authored_round5`, `dev_long.jsonl`: `long_benign --dev`): read for their side, never rewritten here."""
GROUP_THRESHOLD = 0.7
OOD_THRESHOLD = 0.5
SHARES = (14, 3, 3)
"""Train, dev, test twentieths for groups that are not templates or families."""
FRENCH = ("mlma", "socle_pii_fr", "socle_fr", "socle_fr_test")
GENERATED = ("authored:", "insult:")
"""Source prefixes of rows rebuilt on every run (not pooled): hand-written families, borrowed insults."""
INSULTS = {"train": 600, "dev": 150, "test": 150}
"""Toxic tweets of the toxicity splits borrowed as injection negatives, per side (SHA-256 order)."""


def load(path: Path) -> list[Row]:
    """The rows of a JSONL file (none when it does not exist)."""
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def _prefix(row: Row) -> str:
    return str(row["source"]).split(":")[0]


def group_key(row: Row, pii_templates: dict[str, int]) -> tuple[str, bool]:
    """(group key, dealt): templates and families are dealt whole; other rows form their own group."""
    source = str(row["source"])
    if source.startswith(("p3:", "authored:")):
        return source, True
    if source == "socle_pii_fr":
        return f"socle_pii_fr:{pii_templates.get(str(row['text']), -1)}", True
    return digest(str(row["text"])), False


def _side(key: str, dealt: bool, dealt_order: dict[str, int]) -> str:
    if dealt:
        return DEAL[dealt_order[key] % len(DEAL)]
    bucket = int(key[:8], 16) % sum(SHARES)
    return "train" if bucket < SHARES[0] else "dev" if bucket < SHARES[0] + SHARES[1] else "test"


def assign(pool: list[Row], fixed: list[tuple[str, Row]], pii_templates: dict[str, int]) -> list[str]:
    """The side of each pool row ("train", "dev", "test", "ood" or "" to drop)."""
    texts = [str(r["text"]) for r in pool] + [str(r["text"]) for _, r in fixed]
    components = near_dup.groups(texts, GROUP_THRESHOLD)
    keys = [group_key(r, pii_templates) for r in pool]
    by_family: dict[str, list[str]] = {}
    for key, dealt in set(keys):
        if dealt:
            by_family.setdefault(key.rsplit(":", 1)[0] if key.startswith("p3") else key[:12], []).append(key)
    dealt_order = {k: i for members in by_family.values() for i, k in enumerate(sorted(members, key=digest))}
    forced: dict[int, str] = {}
    for (role, _), component in zip(fixed, components[len(pool) :], strict=True):
        forced.setdefault(component, role)
    # Rows sharing a template or family also share a component's fate: the first decision wins.
    key_side: dict[str, str] = {}
    sides = []
    for row, (key, dealt), component in zip(pool, keys, components[: len(pool)], strict=True):
        if str(row["source"]).startswith("giskard:"):
            sides.append("ood")
            continue
        side = forced.get(component) or key_side.get(key) or _side(key, dealt, dealt_order)
        if str(row["source"]) == "socle_fr_test":
            side = "test"  # written before any model saw it: it stays a test row
        key_side.setdefault(key, side)
        forced.setdefault(component, side)
        sides.append(side)
    return _filter_ood(pool, sides)


def _filter_ood(pool: list[Row], sides: list[str]) -> list[str]:
    """`sides` with the OOD rows close to any other row (Jaccard or containment) dropped ("")."""
    others = [near_dup.shingles(str(r["text"])) for r, s in zip(pool, sides, strict=True) if s != "ood"]
    out = []
    for row, side in zip(pool, sides, strict=True):
        if side == "ood":
            own = near_dup.shingles(str(row["text"]))
            close = any(len(own & o) >= OOD_THRESHOLD * min(len(own), len(o)) for o in others if own & o)
            side = "" if close else side
        out.append(side)
    return out


def pii_templates(path: Path = FRENCH_PII) -> dict[str, int]:
    """French PII sentence -> its template id."""
    return {r["full_text"]: int(r["template_id"]) for r in json.loads(path.read_text(encoding="utf-8"))}


def _authored(task: str) -> list[Row]:
    """The hand-written families of `task`, tagged with their side (`_side_hint`).

    Each task also takes the other task's families as negatives, on the same side: an insult is
    not an injection, and an injection (or a question about security) is not toxic.
    """
    own, other = (authored_injection, authored_toxicity)[:: 1 if task == "injection" else -1]
    out: list[Row] = []
    for side, rows in rows_by_split(own.FAMILIES, own.POOLS).items():
        out += [{**r, "_side_hint": side} for r in rows]
    for side, rows in rows_by_split(other.FAMILIES, other.POOLS).items():
        out += [
            {"text": r["text"], "label": 0, "source": str(r["source"]).replace(":direct:", ":other:"),
             "_side_hint": side}
            for r in rows
        ]  # fmt: skip
    if task == "injection":
        out += borrowed_insults()
    return out


def borrowed_insults(folder: Path = DATASETS / "toxicity") -> list[Row]:
    """Toxic tweets (Davidson, MLMA) as injection negatives, each on its toxicity side (`INSULTS`)."""
    files = {side: ROLES["toxicity"][side] for side in INSULTS}
    out: list[Row] = []
    for side, count in INSULTS.items():
        toxic = [r for name in files[side] for r in load(folder / name) if r["label"] == 1]
        toxic = [r for r in toxic if _prefix(r) in ("davidson", "mlma")]
        for row in sorted(toxic, key=lambda r: digest(str(r["text"])))[:count]:
            out.append(
                {"text": row["text"], "label": 0, "source": f"insult:{row['source']}", "_side_hint": side}
            )
    return out


def output_file(task: str, side: str, row: Row) -> str:
    """The file a row of `side` is written to."""
    prefix = _prefix(row)
    authored = prefix == "authored"
    french = prefix in FRENCH or ":fr:" in str(row["source"])
    if side in ("dev", "ood"):
        return f"{side}.jsonl"
    if task == "toxicity" and side == "train":
        return "train_fr.jsonl" if french else "train.jsonl"
    if side == "train":
        return "train.jsonl"
    if task == "toxicity":
        if french:
            return "test_fr.jsonl" if prefix == "mlma" else "test_fr_authored.jsonl"
        return "test_authored.jsonl" if authored else "test.jsonl"
    return "test_authored.jsonl" if authored or prefix == "socle_fr" else "test.jsonl"


def resplit(task: str, folder: Path, extra: Callable[[str], list[Row]] = _authored) -> dict[str, list[Row]]:
    """The new rows of each rewritten file of `task` (file name -> rows), from the pool and families."""
    roles = ROLES[task]
    rewritten = [f for files in roles.values() for f in files if f not in FIXED[task]]
    rows = [
        r
        for f in rewritten
        if f != "indirect.jsonl"  # built from the test split afterwards
        for r in load(folder / f)
        if not str(r["source"]).startswith(GENERATED)
    ]
    pool = _unique(sorted(rows, key=lambda r: (digest(str(r["text"])), str(r["source"]))))
    authored = extra(task)
    fixed = [
        (role, r)
        for role, files in roles.items()
        if role != "probe"
        for f in files
        if f in FIXED[task]
        for r in load(folder / f)
    ]
    sides = assign(pool, fixed, pii_templates())
    out: dict[str, list[Row]] = {f: [] for f in rewritten if f != "indirect.jsonl"}
    for row, side in zip(pool, sides, strict=True):
        if side:
            out[output_file(task, side, row)].append(row)
    for row in authored:
        side = str(row.pop("_side_hint"))
        out[output_file(task, side, row)].append(row)
    return {name: sorted(rows, key=lambda r: digest(str(r["text"]))) for name, rows in out.items()}


def _unique(rows: Iterable[Row]) -> list[Row]:
    seen: dict[str, Row] = {}
    for row in rows:
        seen.setdefault(" ".join(near_dup._WORD.findall(str(row["text"]).lower())), row)
    return list(seen.values())


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and rewrite the split files of one task."""
    from training.classifiers.prepare_data import indirect_set, write

    parser = argparse.ArgumentParser(description="Re-split a classifier dataset by group.")
    parser.add_argument("task", choices=tuple(ROLES))
    parser.add_argument("--datasets", type=Path, default=DATASETS, help="folder holding <task>/")
    args = parser.parse_args(argv)
    folder = args.datasets / args.task
    files = resplit(args.task, folder)
    for name, rows in files.items():
        write(folder / name, rows)
    if args.task == "injection":
        import random

        write(folder / "indirect.jsonl", indirect_set(files["test.jsonl"], random.Random(13)))


if __name__ == "__main__":
    main()
