r"""Build the hidden-instruction data: `documents_{train,dev,test}.jsonl` in `eval/datasets/injection/`.

    python -m training.classifiers.documents --bipia /path/microsoft/BIPIA.git

Each file holds benign documents (label 0) and, for each, a poisoned copy (label 1): the same
document with an instruction for the AI that reads it hidden at a random line or sentence boundary,
wrapped in one wording of a hiding style (`authored_documents.WORDINGS`: HTML comment, bracketed
note, post-scriptum to the AI, white or hidden text, "ignore the above", fake system tag).

Sources, each kept on one side:

- hosts: Socle's host templates (`authored_documents.HOSTS`, dealt by family); BIPIA's email, table
  and code contexts (microsoft/BIPIA, MIT; tables from WikiTableQuestions and code from Stack
  Exchange, CC BY-SA 4.0), BIPIA's `test.jsonl` contexts to test and its `train.jsonl` ones to train
  or dev (SHA-256 of the text, one in five to dev); HotpotQA passages of the HaluEval copy split as
  `long_benign` splits them (its held-out records to test, the others to train);
- payloads: Socle's payload families (dealt by family) and BIPIA's text attacks addressed to the
  answer (`ATTACK_CATEGORIES`; its train file to train or dev by category, its test file to test).
  BIPIA's plain task questions ("What is the capital of Brazil?") are left out: inside a document
  they are not instructions to anyone;
- wordings: of the four wordings of each style and language, two train, one dev, one test.

A poisoned row keeps the inserted text in `metadata.hidden` (the trainer learns from the window
that holds it). Texts are cut to `MAX_CHARS`. Deterministic: same inputs, same files.
"""

from __future__ import annotations

import argparse
import json
import random
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from training.classifiers import authored_documents as docs
from training.classifiers import near_dup
from training.classifiers.families import Row, Split, digest, generate, split_of
from training.classifiers.long_benign import HALUEVAL, held_out, records
from training.classifiers.prepare_data import git_show, write

OUT = Path(__file__).resolve().parents[2] / "eval" / "datasets" / "injection"
BIPIA_COMMIT = "1a2a91da6bb12838e05d1b2e54d98e2f37b835f3"
"""microsoft/BIPIA @ commit (2024-01)."""
ATTACK_CATEGORIES = {
    "train": ("Alphanumeric Substitution", "Homophonic Substitution", "Misspelling Intentionally",
              "Anagramming", "Space Removal & Grouping", "Instruction", "Social Interaction",
              "Persuasion", "Clickbait", "Malware Distribution"),
    "test": ("Substitution Ciphers", "Base Encoding", "Reverse Text", "Emoji Substitution",
             "Language Translation", "Information Dissemination", "Marketing & Advertising",
             "Entertainment", "Scams & Fraud", "Misinformation & Propaganda"),
}  # fmt: skip
MAX_CHARS = 2000
PASSAGES = {"train": 300, "test": 80}
"""HotpotQA passages used as hosts on each side."""
SPLITS: tuple[Split, ...] = ("train", "dev", "test")
TRAIN_COPIES = 2
"""Poisoned copies of each training host (other wording and payload each); one on dev and test."""


def _to_dev(text: str) -> bool:
    return int(digest(text)[8:16], 16) % 5 == 0


def bipia_hosts(git_dir: Path) -> Iterator[tuple[Split, str, str]]:
    """(split, source, text) of BIPIA's email, table and code contexts."""
    for task in ("email", "table", "code"):
        for part in ("train", "test"):
            for line in git_show(git_dir, BIPIA_COMMIT, f"benchmark/{task}/{part}.jsonl").splitlines():
                rec = json.loads(line)
                context = rec["context"]
                text = "\n".join(context) if isinstance(context, list) else str(context)
                text = text.strip()[:MAX_CHARS]
                if len(text) < 80:
                    continue
                split: Split = "test" if part == "test" else ("dev" if _to_dev(text) else "train")
                yield split, f"bipia:{task}", text


def bipia_payloads(git_dir: Path) -> Iterator[tuple[Split, str, str]]:
    """(split, source, instruction) of BIPIA's text attacks in `ATTACK_CATEGORIES`."""
    for part, categories in ATTACK_CATEGORIES.items():
        attacks = json.loads(git_show(git_dir, BIPIA_COMMIT, f"benchmark/text_attack_{part}.json"))
        for category in categories:
            split: Split = "test" if part == "test" else ("dev" if _to_dev(category) else "train")
            for text in attacks[category]:
                yield split, f"bipia_attack:{category}", text


def passage_hosts(count: dict[str, int] = PASSAGES) -> Iterator[tuple[Split, str, str]]:
    """(split, source, text) of HotpotQA passages: held-out records to test, the others to train."""
    passages = [r for r in records(HALUEVAL) if r.source == "halueval_qa:knowledge"]
    test = [r for r in passages if held_out(r.passage)][: count["test"]]
    train = [r for r in passages if not held_out(r.passage)][: count["train"]]
    for split, chosen in (("test", test), ("train", train)):
        for r in chosen:
            yield split, r.source, r.passage[:MAX_CHARS]  # type: ignore[misc]  # a Split literal


def authored_pieces() -> tuple[dict[Split, list[Row]], dict[Split, list[Row]]]:
    """(hosts, payloads) written for Socle, each family on its own side."""
    hosts: dict[Split, list[Row]] = {s: [] for s in SPLITS}
    payloads: dict[Split, list[Row]] = {s: [] for s in SPLITS}
    for families, out in ((docs.HOSTS, hosts), (docs.PAYLOADS, payloads)):
        splits = split_of(families)
        for family in families:
            out[splits[family.name]] += generate(family, docs.POOLS)
    return hosts, payloads


def hide(host: str, hidden: str, rng: random.Random) -> str:
    """`host` with `hidden` inserted at a random line (or sentence) boundary."""
    parts = host.split("\n") if "\n" in host else re.split(r"(?<=[.!?]) ", host)
    at = rng.randint(1, len(parts)) if len(parts) > 1 else rng.randint(0, 1)
    joiner = "\n" if "\n" in host else " "
    return joiner.join([*parts[:at], hidden, *parts[at:]])


def _wordings(split: Split) -> list[tuple[str, str]]:
    """(language, wording) of every style for `split`."""
    index = docs.WORDING_SPLITS.index(split) if split != "train" else None
    out = []
    for (_, lang), wordings in docs.WORDINGS.items():
        for i, wording in enumerate(wordings):
            if (index is None and docs.WORDING_SPLITS[i] == "train") or i == index:
                out.append((lang, wording))
    return out


def _language(text: str) -> str:
    french = len(re.findall(r"\b(?:le|la|les|des|est|pour|une|et|du)\b", text.lower()))
    return "fr" if french >= 3 else "en"


def regroup(hosts: Sequence[tuple[Split, str, str]]) -> list[tuple[Split, str, str]]:
    """`hosts` with near-duplicates (BIPIA's receipts differ by an amount) moved to one side.

    Each group of near-duplicate hosts (`near_dup.groups`) takes the side of its member whose text
    has the lowest SHA-256, so no host of one side is a near-duplicate of a host of another.
    """
    ids = near_dup.groups([text for _, _, text in hosts], 0.7)
    leader: dict[int, tuple[str, Split]] = {}
    for (split, _, text), group in zip(hosts, ids, strict=True):
        leader[group] = min(leader.get(group, (digest(text), split)), (digest(text), split))
    return [(leader[g][1], source, text) for (_, source, text), g in zip(hosts, ids, strict=True)]


def build(
    hosts: Sequence[tuple[Split, str, str]], payloads: Sequence[tuple[Split, str, str]]
) -> dict[Split, list[Row]]:
    """Each host as a benign row and poisoned copies (`TRAIN_COPIES` on train), from its side's pieces."""
    hosts = regroup(hosts)
    out: dict[Split, list[Row]] = {s: [] for s in SPLITS}
    for split in SPLITS:
        rng = random.Random(f"documents:{split}")
        wordings = _wordings(split)
        chosen = {
            lang: [p for s, source, p in payloads if s == split and (":fr:" in source) == (lang == "fr")]
            for lang in ("en", "fr")
        }
        for _, source, host in sorted((h for h in hosts if h[0] == split), key=lambda h: digest(h[2])):
            lang = _language(host)
            out[split].append({"text": host, "label": 0, "source": f"document:{source}"})
            for _ in range(TRAIN_COPIES if split == "train" else 1):
                wording = rng.choice([w for language, w in wordings if language == lang])
                hidden = wording.replace("{payload}", rng.choice(chosen[lang]))
                out[split].append(
                    {"text": hide(host, hidden, rng), "label": 1, "source": f"hidden:{source}",
                     "metadata": {"hidden": hidden}}
                )  # fmt: skip
    return out


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and write the three files."""
    parser = argparse.ArgumentParser(description="Build the hidden-instruction (documents) data.")
    parser.add_argument("--bipia", type=Path, required=True, help="git directory of microsoft/BIPIA")
    parser.add_argument("--out", type=Path, default=OUT, help="where the JSONL files are written")
    args = parser.parse_args(argv)
    hosts, payloads = authored_pieces()
    host_rows = [(s, str(r["source"]), str(r["text"])) for s in SPLITS for r in hosts[s]]
    payload_rows = [(s, str(r["source"]), str(r["text"])) for s in SPLITS for r in payloads[s]]
    built = build(
        [*host_rows, *bipia_hosts(args.bipia), *passage_hosts()],
        [*payload_rows, *bipia_payloads(args.bipia)],
    )
    for split, rows in built.items():
        write(args.out / f"documents_{split}.jsonl", rows)


if __name__ == "__main__":
    main()
