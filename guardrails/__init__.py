"""PII, toxicity, prompt-injection and groundedness rails on inputs, retrieved context and outputs.

Not built yet (issue: Guardrails).
"""

__all__: list[str] = []
