"""Training and model card of the groundedness detector (`socle.guardrails.groundedness`)."""
