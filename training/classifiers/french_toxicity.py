r"""Build the toxicity classifier's French rows: `train_fr.jsonl` and `test_fr.jsonl`.

    python -m training.classifiers.french_toxicity --mlma /path/HKUST-KnowComp/MLMA_hate_speech.git

rewrites both files in `eval/datasets/toxicity/` (the English files are left as they are); then
`python -m training.classifiers.splits toxicity` re-splits every toxicity row by group (near-
duplicate tweets and PII templates on one side, a dev split), which is what the committed files are.

- `mlma:<sentiment>`: the French tweets of MLMA (Ousidhoum et al., EMNLP 2019, MIT), `fr_dataset.csv`
  of `hate_speech_mlma.zip` read from a git directory at the pinned commit. As the dataset's README
  says, a tweet labelled `normal` alone is non-toxic (0); every other label or combination
  (offensive, abusive, hateful, fearful, disrespectful, ...) is toxic (1). The anonymisation
  placeholders `@user` and `@url`, a leading `rt` and a truncation `…` are removed: the runtime never
  sees them, and 80 % of the tweets being toxic would teach the model that `user` and `url` are.
  Texts that occur with both labels are dropped; other duplicates are kept once.
- `socle_pii_fr`: the sentences of `eval/datasets/pii/french_pii.json` (synthetic French business
  requests holding personal data, written for Socle; no insults), label 0, training only.
- `socle_fr`: `fr_authored_train.jsonl` (hand-written workplace insults and business sentences,
  committed), training only.

Tweets go to test (about 1 in 5) or training by a SHA-256 of their cleaned text (`held_out`), so the
split is deterministic and does not depend on the order of the source file. The French training
classes are then balanced: only the first `max_toxic` toxic training tweets (SHA-256 order) are kept,
about as many as there are French negatives, since with all of them (80 % of French rows toxic) the
model learnt "French, hence toxic" and flagged ordinary French requests.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import subprocess
import zipfile
from collections.abc import Iterator
from pathlib import Path

from training.classifiers.long_benign import digest, held_out
from training.classifiers.prepare_data import dedupe, write

ROOT = Path(__file__).resolve().parent.parent.parent
OUT = ROOT / "eval" / "datasets" / "toxicity"
FRENCH_PII = ROOT / "eval" / "datasets" / "pii" / "french_pii.json"
MAX_TOXIC = 1000
"""Toxic MLMA tweets kept for training (of about 2,460), close to the number of French negatives."""
MLMA = ("479836984aebfbd8a0270ca92018980f745e4c44", "hate_speech_mlma.zip", "hate_speech_mlma/fr_dataset.csv")
"""HKUST-KnowComp/MLMA_hate_speech @ commit (2024-11-26), archive, French file inside it."""
_PLACEHOLDER = re.compile(r"@(?:user|url)\b|^(?:rt\s+)+|…", re.IGNORECASE)

Row = dict[str, object]


def clean(text: str) -> str:
    """A tweet without MLMA's placeholders (`@user`, `@url`, a leading `rt`, `…`), spaces squeezed."""
    text = _PLACEHOLDER.sub(" ", text.strip())
    text = _PLACEHOLDER.sub(" ", text.strip())  # `rt @user rt ...`: a second `rt` becomes leading
    return re.sub(r"\s+", " ", text).strip()


def mlma_rows(git_dir: Path) -> Iterator[Row]:
    """MLMA's French tweets: single-labelled `normal` -> 0, anything else -> 1."""
    commit, archive, member = MLMA
    blob = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{commit}:{archive}"], check=True, capture_output=True
    ).stdout
    with zipfile.ZipFile(io.BytesIO(blob)) as zipped:
        text = zipped.read(member).decode("utf-8")
    for rec in csv.DictReader(io.StringIO(text)):
        sentiment = rec["sentiment"].strip()
        yield {
            "text": clean(rec["tweet"]),
            "label": int(sentiment != "normal"),
            "source": f"mlma:{sentiment}",
        }


def consistent(rows: list[Row]) -> list[Row]:
    """`rows` deduplicated (`prepare_data.dedupe`) without the texts that occur with both labels."""
    labels: dict[str, set[object]] = {}
    for row in rows:
        labels.setdefault(_key(str(row["text"])), set()).add(row["label"])
    return dedupe(r for r in rows if len(labels[_key(str(r["text"]))]) == 1)


def _key(text: str) -> str:
    return re.sub(r"\W+", " ", text.lower()).strip()


def business_rows(path: Path = FRENCH_PII) -> list[Row]:
    """The French PII evaluation sentences as benign (0) rows."""
    records = json.loads(path.read_text(encoding="utf-8"))
    return dedupe({"text": r["full_text"], "label": 0, "source": "socle_pii_fr"} for r in records)


def build(tweets: list[Row], extra: list[Row], max_toxic: int = MAX_TOXIC) -> tuple[list[Row], list[Row]]:
    """(training rows, test rows): tweets split by `held_out` on their text; `extra` rows all go to training.

    At most `max_toxic` toxic tweets are kept for training. Both lists are in SHA-256 order of the
    text, so the files do not depend on the sources' order.
    """
    tweets = _ordered(consistent(tweets))
    test = [r for r in tweets if held_out(str(r["text"]))]
    train = [r for r in tweets if not held_out(str(r["text"]))]
    toxic = [r for r in train if r["label"] == 1][:max_toxic]
    return _ordered([*toxic, *(r for r in train if r["label"] == 0), *extra]), test


def _ordered(rows: list[Row]) -> list[Row]:
    return sorted(rows, key=lambda r: digest(str(r["text"])))


def authored_rows(path: Path = OUT / "fr_authored_train.jsonl") -> list[Row]:
    """The hand-written French training rows."""
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and write `train_fr.jsonl` and `test_fr.jsonl`."""
    parser = argparse.ArgumentParser(description="Build the toxicity classifier's French rows.")
    parser.add_argument("--mlma", type=Path, required=True, help="git directory of MLMA_hate_speech")
    parser.add_argument("--french-pii", type=Path, default=FRENCH_PII, help="French PII sentences (JSON)")
    parser.add_argument("--out", type=Path, default=OUT, help="where the two JSONL files are written")
    parser.add_argument("--max-toxic", type=int, default=MAX_TOXIC, help="toxic tweets kept for training")
    args = parser.parse_args(argv)
    extra = business_rows(args.french_pii) + authored_rows(args.out / "fr_authored_train.jsonl")
    train, test = build(list(mlma_rows(args.mlma)), extra, args.max_toxic)
    write(args.out / "train_fr.jsonl", train)
    write(args.out / "test_fr.jsonl", test)


if __name__ == "__main__":
    main()
