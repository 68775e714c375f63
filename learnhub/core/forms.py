"""The base of every form in the app: a submitted value that had characters no database can
store taken out (``learnhub.core.inputs.take_out_of_form``) is an error on its field, so the
form comes back with everything else that was typed, the field's text without them, and a
message in the error summary; the form does not validate, so nothing half-cleaned is saved."""

from __future__ import annotations

from typing import Any

from flask import has_request_context, request
from flask_wtf import FlaskForm
from werkzeug.datastructures import CombinedMultiDict

from learnhub.core.inputs import taken_out

ELSEWHERE = (
    "Some of what was sent contained characters that cannot be stored: they have been taken "
    "out; check the form and send it again"
)


class LearnHubForm(FlaskForm):
    """Subclass this, not ``FlaskForm``, for every form (a test holds every form to it)."""

    def process(self, formdata: Any = None, obj: Any = None, **kwargs: Any) -> None:
        super().process(formdata, obj, **kwargs)
        self._taken_out_elsewhere = False
        if not _is_the_request_form(self.meta.wrap_formdata(self, formdata)):
            return
        messages = taken_out()
        for field in self:
            if field.name in messages:
                # Kept through validate(), which starts each field's errors from these.
                field.process_errors.append(messages[field.name])
                field.errors = list(field.process_errors)
        self._taken_out_elsewhere = bool(set(messages) - {field.name for field in self})

    def validate(self, extra_validators: Any = None) -> bool:
        valid = super().validate(extra_validators)
        if self._taken_out_elsewhere:
            # Sent with the form but no field of it: nothing from this request is saved either.
            if ELSEWHERE not in self.form_errors:
                self.form_errors.append(ELSEWHERE)
            return False
        return valid


def _is_the_request_form(formdata: Any) -> bool:
    """Whether the form reads this request's submitted form (other forms on a page are built
    empty or from saved data, and say nothing about what was sent)."""
    if formdata is None or not has_request_context():
        return False
    if isinstance(formdata, CombinedMultiDict):
        return any(part is request.form for part in formdata.dicts)
    return formdata is request.form
