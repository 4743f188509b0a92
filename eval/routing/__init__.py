"""Evaluation of the learned router on RouteLLM's public outcomes (training lives in `training/routing`).

`dataset` reads the copied RouteLLM data (`data/`, Apache-2.0) without its contaminated prompts,
`metrics` holds RouteLLM's metrics (PGR curve, APGR, CPT, cost saved at 95% quality), `fitting` fits
the estimator (the `routing` suite cross-validates it at run time, and `python -m
training.routing.train` fits the shipped artifact with the same code), and `evaluate.py` writes the
cross-validated report (see docs/routing.md). The decision-latency benchmark is
`bench/routing_decision.py`.
"""

__all__: list[str] = []
