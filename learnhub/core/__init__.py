"""Shared pieces every feature uses: database base, time, permissions, errors, email."""
