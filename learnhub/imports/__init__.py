"""Importing an organisation's history of reports from CSV: ``learnhub import-reports``."""
