"""The evaluation harness: datasets in, metrics and reports out, gates for CI.

Not built yet (issue: Evaluation harness).
"""

__all__: list[str] = []
