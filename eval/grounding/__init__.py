"""The groundedness detector's data (HaluEval QA pairs and splits), read by the hallucination suite."""
