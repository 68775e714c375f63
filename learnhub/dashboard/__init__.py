"""Leadership dashboards: aggregates only, with small numbers suppressed."""
