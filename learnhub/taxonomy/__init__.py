"""taxonomy feature."""
