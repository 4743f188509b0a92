"""Data preparation, splits and training of the guardrails' text classifiers (toxicity, injection)."""
