"""bulletins feature."""
