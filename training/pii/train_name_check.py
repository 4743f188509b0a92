"""Train the PII rail's name check; write `guardrails/artifacts/name_check.json`.

    .venv/bin/python -m training.pii.train_name_check   # about a minute; deterministic

The check (`guardrails/name_check.py`) scores a span that NER tagged as a person or a place: a
name, or plain words? It is a logistic regression over the span's mean MiniLM input word-piece
embedding and three scalar features (`name_check.EXTRAS`), trained on generated values only:

- names (label 0): Faker's multi-locale people, cities, countries, regions and companies, drawn
  by `ner_data.ValueMaker`, the generator of the NER's own training sentences;
- plain words (label 1): words written in lower case inside the benign English rows of the
  injection training set (`eval/datasets/injection/train.jsonl`: instructions, news, Q&A; a word
  in lower case there is not a name), alone or in runs of two or three, title-cased as NER meets
  them at the start of a sentence or in a heading; Faker's job titles and catch phrases; the NER
  training's filler phrases (`the Sales Department`).

Nothing from presidio_synth_v2 or the French set is used. The fitted embedding weights are folded
into one score per word piece (the mean of the pieces' scores is exactly the embedding's part of
the logit), so serving is a table lookup. Prints the held-out accuracy on generated values (a
sanity check; `evaluate.py` is the benchmark).
"""

from __future__ import annotations

import argparse
import json
import random
import re
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np
from socle.eval.routing.fitting import LinearModel, Matrix, PieceTable, logistic
from socle.guardrails.name_check import ARTIFACT, EXTRAS, FORMAT, extras

from training.pii.ner_data import ValueMaker
from training.pii.ner_templates import FILLERS

REPO = Path(__file__).resolve().parents[2]
CORPUS = REPO / "eval" / "datasets" / "injection" / "train.jsonl"
SCALE = 10.0
"""The mean embedding is multiplied by this before the fit (its entries are ~0.05: too small for C=1)."""
_LOWER_RUN = re.compile(r"(?<![\w'\u2019-])[a-z]{3,}(?: [a-z]{3,}){0,2}(?![\w'\u2019-])")


def plain_phrases(path: Path = CORPUS) -> list[str]:
    """Runs of one to three lower-case words from the corpus's benign English rows, deduplicated."""
    found: dict[str, None] = {}
    for line in path.read_text(encoding="utf-8").split("\n")[:-1]:  # not splitlines: texts hold U+2028
        row = json.loads(line)
        if row["label"] == 0 and not row["source"].endswith("_fr"):
            for match in _LOWER_RUN.finditer(row["text"]):
                found.setdefault(match.group(), None)
    return list(found)


def generate(count: int, seed: int) -> tuple[list[str], list[int]]:
    """`count` names and `count` plain phrases, shuffled together; label 1 = plain words."""
    rng = random.Random(seed)
    maker = ValueMaker(seed)
    fake = maker.faker("en_US")
    name_makers: list[Callable[[], str]] = [maker.person] * 4 + [maker.first, maker.last] * 2 + [
        maker.city, maker.city, maker.country, maker.place, maker.company]  # fmt: skip
    phrases = plain_phrases()
    lorem: list[Callable[[], str]] = [
        lambda: rng.choice(phrases).title() if rng.random() < 0.7 else rng.choice(phrases).capitalize(),
        lambda: rng.choice(phrases).title(),
        lambda: rng.choice(phrases).split()[0].capitalize(),
        maker.title,
        fake.job,
        fake.catch_phrase,
        lambda: rng.choice(FILLERS),
    ]
    texts = [rng.choice(name_makers)() for _ in range(count)] + [rng.choice(lorem)() for _ in range(count)]
    labels = [0] * count + [1] * count
    order = list(range(2 * count))
    rng.shuffle(order)
    return [texts[i] for i in order], [labels[i] for i in order]


def features(texts: Sequence[str], table: PieceTable) -> Matrix:
    """One row per text: `SCALE` x its mean word-piece embedding, then `EXTRAS`."""
    more = np.array([extras(text, table.index, table.split(text)) for text in texts]).reshape(len(texts), -1)
    return np.hstack([SCALE * table.text_embeddings(texts), more])


def artifact(
    model: LinearModel, table: PieceTable, *, threshold: float, training: dict[str, Any]
) -> dict[str, Any]:
    """The JSON document `NameCheck.from_json` reads: the embedding weights folded into one score a piece.

    A piece's score is `SCALE * (row . w)`: their mean over a span's pieces is the embedding's part
    of the logit.
    """
    dim = table.rows.shape[1]
    scores = SCALE * (table.rows.astype(np.float64) @ model.weights[:dim])
    kept = [i for i, piece in enumerate(table.vocab) if not piece.startswith("[unused")]
    return {
        "format": FORMAT,
        "threshold": threshold,
        "intercept": round(model.intercept, 6),
        "weights": [round(float(w), 6) for w in model.weights[dim:]],
        "extras": list(EXTRAS),
        "training": training,
        "vocab": [table.vocab[i] for i in kept],
        "scores": [float(f"{scores[i]:.5g}") for i in kept],
    }


def main(argv: Sequence[str] | None = None) -> int:
    """Generate, fit, check on held-out generated values, write the folded artifact."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--count", type=int, default=8000, help="generated values of each kind")
    parser.add_argument(
        "--threshold", type=float, default=0.95, help="P(plain words) from which a span is dropped"
    )
    parser.add_argument("--c", type=float, default=1.0, help="inverse L2 regularisation strength")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=ARTIFACT)
    args = parser.parse_args(argv)
    table = PieceTable.load()
    texts, labels = generate(args.count, args.seed)
    x, y = features(texts, table), np.array(labels)
    cut = len(texts) * 4 // 5
    p = logistic(x[:cut], y[:cut], c=args.c, seed=args.seed).predict(x[cut:])
    names_dropped = float(np.mean(p[y[cut:] == 0] >= args.threshold))
    plain_dropped = float(np.mean(p[y[cut:] == 1] >= args.threshold))
    sys.stderr.write(f"held-out generated values: names dropped {names_dropped:.3f}, plain words dropped"
                     f" {plain_dropped:.3f} (at P(plain) >= {args.threshold})\n")  # fmt: skip
    training = {
        "count": args.count,
        "c": args.c,
        "seed": args.seed,
        "scale": SCALE,
        "heldout": {"names_dropped": round(names_dropped, 4), "plain_dropped": round(plain_dropped, 4)},
    }
    document = artifact(
        logistic(x, y, c=args.c, seed=args.seed), table, threshold=args.threshold, training=training
    )
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))
    args.out.write_text(text + "\n", encoding="utf-8")
    sys.stderr.write(f"wrote {args.out} ({args.out.stat().st_size // 1024} kB)\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
