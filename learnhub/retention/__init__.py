"""retention feature: personal data kept no longer than it is needed."""
