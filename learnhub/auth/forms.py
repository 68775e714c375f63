"""Sign-in and account forms."""

from wtforms import EmailField, PasswordField, SelectField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import DataRequired, Length

from learnhub.core.forms import LearnHubForm
from learnhub.core.permissions import ROLE_LABELS


class LoginForm(LearnHubForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address"), Length(max=320)],
    )
    password = PasswordField(
        "Password", validators=[DataRequired("Enter your password"), Length(max=1024)]
    )


class NewUserForm(LearnHubForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter their email address"), Length(max=320)],
    )
    display_name = StringField(
        "Name", validators=[DataRequired("Enter their name"), Length(max=120)]
    )
    role = SelectField(
        "Role",
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired("Choose a role")],
    )
    password = PasswordField(
        "Temporary password",
        validators=[DataRequired("Enter a temporary password"), Length(max=1024)],
    )
