"""A pytest plugin that rewords every report question before LearnHub is imported, for
test_questions.test_rewording_the_definition_rewords_every_page (loaded with ``-p``)."""

from __future__ import annotations

import dataclasses

from learnhub.reports import questions

for _question in questions.QUESTIONS:
    questions.QUESTION[_question.name] = dataclasses.replace(
        _question,
        asked=f"Reworded question about {_question.name}?",
        label=f"Reworded answer to {_question.name}",
    )
questions.QUESTIONS = tuple(questions.QUESTION[q.name] for q in questions.QUESTIONS)
questions.SECTIONS = tuple(
    dataclasses.replace(section, heading=f"Reworded section {section.anchor}")
    for section in questions.SECTIONS
)
