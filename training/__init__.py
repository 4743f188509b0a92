"""Socle's lab: data generation, training and model cards, kept out of the installed runtime.

Nothing here is installed (the wheel holds `socle.*` only) and nothing here runs when Socle serves:
each command reads data from the repository and writes artifacts (`guardrails/artifacts/`,
`router/artifacts/`, `eval/datasets/`) that the runtime loads. Run from the repository root:

    .venv/bin/python -m training.classifiers.train train toxicity
    .venv/bin/python -m training.grounding.train
    .venv/bin/python -m training.routing.train
    .venv/bin/python -m training.pii.train_ner

Training imports only public runtime modules (no `socle.<...>._private`), so what training and
serving share (features, claim splitting, word pieces) is a stated interface; and `socle` never
imports `training` (an import contract in pyproject.toml; a test checks the first rule).
"""
