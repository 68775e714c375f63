"""actions feature: what the panel agrees will change, with owners, due dates and evidence."""
