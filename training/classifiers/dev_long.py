"""Move one in five groups of the injection rail's benign long training texts to a dev file.

The injection thresholds were set on `dev.jsonl`, which holds few long benign texts, so a model that
blocked more benign long texts (answers, passages, templated task prompts) looked fine on dev and was
only caught on the test side (`benign_long.jsonl`, round 4). `dev_long.jsonl` gives dev those texts:

    python -m training.classifiers.dev_long      # after long_benign, which rewrites train_long.jsonl

reads `train_long.jsonl`, puts every group whose key's SHA-256 falls in the first fifth into
`dev_long.jsonl` (at most `PER_GROUP` rows of each) and writes the rest back. A group is a templated
prompt's template (`task_prompt:<template>`) or, for other rows, a near-duplicate group (word
3-shingle Jaccard >= 0.7), so no wording crosses train and dev. Deterministic.
"""

from __future__ import annotations

import json
from pathlib import Path

from training.classifiers import near_dup
from training.classifiers.families import digest

FOLDER = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "injection"
SHARE = 5
"""One group in `SHARE` goes to dev."""
PER_GROUP = 3
"""Dev keeps at most this many rows of a group (the others are dropped, from train too): twenty prompts
of one template would otherwise be twenty of the ten false positives that 1 % of dev allows."""


def group_keys(rows: list[dict[str, object]]) -> list[str]:
    """Each row's group key: the first text of its group.

    Rows of one template (`task_prompt:<template>`) and near-duplicates are joined, transitively: a
    templated prompt holds a passage that may also stand alone.
    """
    texts = [str(r["text"]) for r in rows]
    parent = near_dup.groups(texts, 0.7)

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, row in enumerate(rows):
        source = str(row.get("source", ""))
        if source.startswith("task_prompt:"):
            a, b = root(i), root(first.setdefault(source, i))
            parent[max(a, b)] = min(a, b)
    return [texts[root(i)] for i in range(len(rows))]


def split(rows: list[dict[str, object]]) -> tuple[list[dict[str, object]], list[dict[str, object]]]:
    """(train rows, dev rows): whole groups, one in `SHARE` to dev by the SHA-256 of the group key."""
    train, dev = [], []
    taken: dict[str, int] = {}
    for row, key in zip(rows, group_keys(rows), strict=True):
        if int(digest(key)[:8], 16) % SHARE:
            train.append(row)
        elif taken.get(key, 0) < PER_GROUP:
            taken[key] = taken.get(key, 0) + 1
            dev.append(row)
    return train, dev


def main() -> None:
    """Split `train_long.jsonl` into itself and `dev_long.jsonl`."""
    path = FOLDER / "train_long.jsonl"
    rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    train, dev = split(rows)
    for name, part in (("train_long.jsonl", train), ("dev_long.jsonl", dev)):
        text = "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in part)
        (FOLDER / name).write_text(text, encoding="utf-8")


if __name__ == "__main__":
    main()
