"""Administration: staff accounts and roles, service areas, settings."""
