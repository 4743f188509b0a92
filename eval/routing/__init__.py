"""Offline training and evaluation of the learned router on RouteLLM's public outcomes.

`dataset` reads the copied RouteLLM data (`data/`, Apache-2.0) without its contaminated prompts,
`metrics` holds RouteLLM's metrics (PGR curve, APGR, CPT, cost saved at 95% quality), and the
scripts `train.py`, `evaluate.py` and `bench_decision.py` write the artifact, the cross-validated
report and the latency benchmark (see docs/routing.md).
"""

__all__: list[str] = []
