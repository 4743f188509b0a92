"""The PII rail's lab: the English NER and name check training, the French set, the scoring script."""
