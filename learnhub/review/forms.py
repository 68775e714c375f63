"""Forms on the reviewer's report page."""

from flask_wtf import FlaskForm
from wtforms import HiddenField, TextAreaField
from wtforms.validators import DataRequired, Length

from learnhub.reports.services import MAX_REPLY_LENGTH


class QuestionForm(FlaskForm):
    body = TextAreaField(
        "Ask the reporter a question",
        description="They will see it when they follow up with their receipt. They cannot be "
        "contacted any other way, so ask one clear question at a time.",
        validators=[
            DataRequired("Enter your question"),
            Length(
                max=MAX_REPLY_LENGTH,
                message=f"Question must be {MAX_REPLY_LENGTH:,} characters or fewer",
            ),
        ],
    )
    confirm_identifiers = HiddenField()
