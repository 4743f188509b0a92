"""What the classifier suites share with training: decision metrics and the language of a row."""
