"""`dev_long`: long benign texts go to dev by whole group (template or near-duplicate group), capped."""

from __future__ import annotations

from training.classifiers import dev_long


def _rows() -> list[dict[str, object]]:
    templated = [
        {
            "text": " ".join(f"t{t}w{k}" for k in range(10)) + f" item {i}",  # one wording per template
            "source": f"task_prompt:t{t}",
        }
        for t in range(12)
        for i in range(6)
    ]
    words = [f"word{i}" for i in range(16)]
    plain = [
        {"text": " ".join(words[i:] + words[:i]) + f" passage {i}", "source": "halueval_qa:knowledge"}
        for i in range(16)
    ]
    return templated + plain


def test_a_template_goes_whole_to_one_side_and_dev_keeps_at_most_three_rows_of_it() -> None:
    rows = _rows()
    train, dev = dev_long.split(rows)
    train_templates = {r["source"] for r in train if str(r["source"]).startswith("task_prompt:")}
    dev_templates = {r["source"] for r in dev if str(r["source"]).startswith("task_prompt:")}
    assert dev_templates and train_templates and not dev_templates & train_templates
    for source in dev_templates:
        assert sum(r["source"] == source for r in dev) == dev_long.PER_GROUP
    assert len(train) + len(dev) < len(rows)  # the rest of a dev template's rows is dropped


def test_the_split_is_deterministic() -> None:
    assert dev_long.split(_rows()) == dev_long.split(_rows())
