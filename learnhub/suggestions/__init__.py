"""Suggested codes: a model trained on reviewer-confirmed coding, and its nightly retraining."""
