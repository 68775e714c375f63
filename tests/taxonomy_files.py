"""A small taxonomy file shaped like a wildland-fire near-miss system's labels (two label sets,
Human Factors and Contributing Factors), written here for tests: never the real data."""

from __future__ import annotations

import csv
from pathlib import Path

SAFENET_ROWS = [
    ("HF-1", "Human Factors", "Decision Making", "A choice made on the line shaped the event."),
    ("HF-2", "Human Factors", "Situational Awareness", "The crew's picture was out of date."),
    ("HF-3", "Human Factors", "Leadership", "Direction on the line helped or hindered."),
    ("HF-4", "Human Factors", "Risk Assessment", "How hazards were judged, before and during."),
    ("HF-5", "Human Factors", "Performance", "How well a task was done, given the conditions."),
    ("HF-6", "Human Factors", "Fatigue", "Crew members were tired from long shifts."),
    ("CF-1", "Contributing Factors", "Communications", "Radio, briefings, or hand-overs."),
    ("CF-2", "Contributing Factors", "Human Factors", "People's state and judgement."),
    ("CF-3", "Contributing Factors", "Equipment", "Tools, vehicles or protective equipment."),
    ("CF-4", "Contributing Factors", "Environmental", "Weather, terrain or smoke."),
    ("CF-5", "Contributing Factors", "Fire Behavior", "The fire did what nobody expected."),
]
HEADER = ("code", "tier", "title", "definition")


def write_safenet_csv(path: Path) -> Path:
    with path.open("w", encoding="utf-8", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        writer.writerows(SAFENET_ROWS)
    return path
