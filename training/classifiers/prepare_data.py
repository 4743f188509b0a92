r"""Build `eval/datasets/{toxicity,injection}/` from public repositories cloned as git directories.

Run once, by hand, when the data changes (never at run time)::

    python -m training.classifiers.prepare_data \\
        --davidson /path/t-davidson/hate-speech-and-offensive-language.git \\
        --jailbreaks /path/yunwei37/satml-llmail-injection.git \\
        --self-instruct /path/yizhongw/self-instruct.git \\
        --giskard /path/Giskard-AI/prompt-injections.git

Each source is read with `git show COMMIT:PATH` at the commit pinned in `SOURCES`, so the output is
reproducible. Rows are `{"text", "label", "source"}`. This builds the *pool* of public rows only: the
80/20 row split it writes (`train.jsonl` / `test.jsonl`, plus `ood.jsonl` for injection) is then
re-split by group by `python -m training.classifiers.splits <task>` (source passage, prompt family
and template; near-duplicates kept on one side; a dev split; the OOD set filtered against the
rest), which is what the committed files are. The hand-written French rows (`fr_authored.jsonl`,
committed) are merged into the pool.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import random
import re
import subprocess
from collections.abc import Iterable, Iterator
from pathlib import Path

Row = dict[str, object]

SOURCES = {
    "davidson": ("cb50f7e9eb855a99abc51423bf40df0e26d6fe30", "data/labeled_data.csv"),
    "jailbreaks": (
        "360613b492c5a4e8f9297b32adc819f0aa27210a",
        "data/jailbreak_human_set2/jailbreak_prompts_2023_12_25.csv",
    ),
    "self_instruct": (
        "0b26ccaa415992100fa32df62d41b994cf928e23",
        "human_eval/user_oriented_instructions.jsonl",
    ),
    "self_instruct_seed": ("0b26ccaa415992100fa32df62d41b994cf928e23", "data/seed_tasks.jsonl"),
    "giskard": ("ce50a549dadc46b48c931250d2dd71d5f003c0c2", "prompt_injections.csv"),
}
T0_DIR = "data/finetuning/t0_train_50k/data_per_template/"
T0_TEMPLATES = (  # P3 prompts over permissively licensed sets (CC BY-SA / CC BY / Apache / MIT)
    "adversarial_qa_dbert_based_on",
    "adversarial_qa_droberta_answer_the_following_q",
    "cnn_dailymail_3_0_0_tldr_summary",
    "dbpedia_14_pick_one_category_for_the_following_text",
    "quoref_Find_Answer",
    "ropes_plain_background_situation",
    "cosmos_qa_context_answer_to_question",
    "common_gen_Given_concepts_type_1",
)
MAX_CHARS = 3000
SEED = 13


def git_show(git_dir: Path, commit: str, path: str) -> str:
    """The text of `path` at `commit` in the git directory `git_dir`."""
    out = subprocess.run(
        ["git", f"--git-dir={git_dir}", "show", f"{commit}:{path}"], check=True, capture_output=True
    )
    return out.stdout.decode("utf-8")


def _clean(text: str) -> str:
    return re.sub(r"[ \t]+", " ", text.replace("\r\n", "\n")).strip()[:MAX_CHARS]


def davidson(git_dir: Path) -> Iterator[Row]:
    """Davidson et al. 2017 tweets: class 0 (hate) and 1 (offensive) -> 1, class 2 (neither) -> 0."""
    commit, path = SOURCES["davidson"]
    for rec in csv.DictReader(io.StringIO(git_show(git_dir, commit, path))):
        text = re.sub(r"&amp;", "&", rec["tweet"])
        yield {"text": _clean(text), "label": int(rec["class"] != "2"), "source": f"davidson:{rec['class']}"}


def jailbreaks(git_dir: Path) -> Iterator[Row]:
    """Shen et al. 2023 in-the-wild jailbreak prompts (all labelled jailbreak) -> 1."""
    commit, path = SOURCES["jailbreaks"]
    for rec in csv.DictReader(io.StringIO(git_show(git_dir, commit, path))):
        yield {"text": _clean(rec["prompt"]), "label": 1, "source": f"jailbreak_llms:{rec['platform']}"}


def self_instruct(git_dir: Path) -> Iterator[Row]:
    """Human-written instructions (and their inputs) of self-instruct -> 0."""
    for key in ("self_instruct", "self_instruct_seed"):
        commit, path = SOURCES[key]
        for line in git_show(git_dir, commit, path).splitlines():
            rec = json.loads(line)
            text = rec["instruction"]
            extra = next((i["input"] for i in rec["instances"] if i["input"]), "")
            yield {"text": _clean(f"{text}\n{extra}"), "label": 0, "source": key}


def t0_prompts(git_dir: Path, per_template: int) -> Iterator[Row]:
    """Benign task prompts (passages + questions) from P3 templates, `per_template` each -> 0."""
    commit = SOURCES["self_instruct"][0]
    for template in T0_TEMPLATES:
        lines = git_show(git_dir, commit, f"{T0_DIR}{template}.jsonl").splitlines()[:per_template]
        for line in lines:
            yield {"text": _clean(json.loads(line)["prompt"]), "label": 0, "source": f"p3:{template}"}


def giskard(git_dir: Path) -> Iterator[Row]:
    """Giskard's prompt-injection collection (garak / PromptInject / DAN) -> 1."""
    commit, path = SOURCES["giskard"]
    for rec in csv.DictReader(io.StringIO(git_show(git_dir, commit, path))):
        yield {"text": _clean(rec["prompt"]), "label": 1, "source": f"giskard:{rec['source']}"}


def dedupe(rows: Iterable[Row], seen: set[str] | None = None) -> list[Row]:
    """Drop empty rows and rows whose first 200 and last 100 normalised characters were already seen."""
    seen = set() if seen is None else seen
    kept = []
    for row in rows:
        norm = re.sub(r"\W+", " ", str(row["text"]).lower()).strip()
        key = f"{norm[:200]}|{norm[-100:]}"
        if norm and key not in seen:
            seen.add(key)
            kept.append(row)
    return kept


def split(rows: list[Row], test_share: float = 0.2) -> tuple[list[Row], list[Row]]:
    """A stratified (label x source family) random split."""
    rng = random.Random(SEED)
    groups: dict[tuple[object, str], list[Row]] = {}
    for row in rows:
        groups.setdefault((row["label"], str(row["source"]).split(":")[0]), []).append(row)
    train: list[Row] = []
    test: list[Row] = []
    for key in sorted(groups, key=str):
        members = groups[key]
        rng.shuffle(members)
        cut = round(len(members) * test_share)
        test += members[:cut]
        train += members[cut:]
    rng.shuffle(train)
    rng.shuffle(test)
    return train, test


def write(path: Path, rows: list[Row]) -> None:
    """Write `rows` as JSONL."""
    with path.open("w", encoding="utf-8") as f:
        for row in rows:
            f.write(json.dumps(row, ensure_ascii=False) + "\n")


def _authored(folder: Path) -> list[Row]:
    path = folder / "fr_authored.jsonl"
    return [json.loads(line) for line in path.read_text(encoding="utf-8").split("\n") if line.strip()]


def main(argv: list[str] | None = None) -> None:
    """Parse the arguments and write both datasets."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    for name in ("davidson", "jailbreaks", "self-instruct", "giskard"):
        parser.add_argument(f"--{name}", type=Path, required=True, help=f"git directory of the {name} repo")
    parser.add_argument("--out", type=Path, default=Path("eval/datasets"), help="datasets folder")
    parser.add_argument("--offensive", type=int, default=5000, help="offensive tweets kept (subsample)")
    args = parser.parse_args(argv)
    rng = random.Random(SEED)

    tweets = dedupe(davidson(args.davidson))
    offensive = [r for r in tweets if r["source"] == "davidson:1"]
    rng.shuffle(offensive)
    tweets = [r for r in tweets if r["source"] != "davidson:1"] + offensive[: args.offensive]
    benign = dedupe([*self_instruct(args.self_instruct), *t0_prompts(args.self_instruct, 150)])
    toxicity = tweets + benign + _authored(args.out / "toxicity")
    train, test = split(toxicity)
    write(args.out / "toxicity" / "train.jsonl", train)
    write(args.out / "toxicity" / "test.jsonl", test)

    seen: set[str] = set()
    attacks = dedupe(jailbreaks(args.jailbreaks), seen)
    benign = dedupe([*self_instruct(args.self_instruct), *t0_prompts(args.self_instruct, 300)], seen)
    train, test = split(attacks + benign + _authored(args.out / "injection"))
    write(args.out / "injection" / "train.jsonl", train)
    write(args.out / "injection" / "test.jsonl", test)
    write(args.out / "injection" / "ood.jsonl", dedupe(giskard(args.giskard), seen))
    write(args.out / "injection" / "indirect.jsonl", indirect_set(test, rng))


def indirect_set(test: list[Row], rng: random.Random, count: int = 150) -> list[Row]:
    """Long retrieved-chunk stand-ins from the test split: clean passages (0) and poisoned copies (1).

    A poisoned copy hides the first 10-40 words of a test attack at a random word of the passage.
    """
    from training.classifiers.train import embed

    passages = [r for r in test if r["label"] == 0 and len(str(r["text"])) >= 600][:count]
    attacks = [str(r["text"]) for r in test if r["label"] == 1]
    rows: list[Row] = []
    for row in passages:
        rows.append({"text": row["text"], "label": 0, "source": f"indirect-clean:{row['source']}"})
        poisoned = embed(str(row["text"]), rng.choice(attacks), rng)
        rows.append({"text": poisoned, "label": 1, "source": f"indirect:{row['source']}"})
    return rows


if __name__ == "__main__":
    main()
