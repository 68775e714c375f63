"""The JSON API at /api/v1: thin adapters over the features' services; errors are problem+json."""
