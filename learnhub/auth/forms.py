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


class ChangePasswordForm(LearnHubForm):
    current_password = PasswordField(
        "Current password",
        validators=[DataRequired("Enter your current password"), Length(max=1024)],
    )
    new_password = PasswordField(
        "New password", validators=[DataRequired("Enter a new password"), Length(max=1024)]
    )
    confirmation = PasswordField(
        "Confirm new password",
        validators=[DataRequired("Enter the new password again"), Length(max=1024)],
    )


class NewPasswordForm(LearnHubForm):
    new_password = PasswordField(
        "New password", validators=[DataRequired("Enter a new password"), Length(max=1024)]
    )
    confirmation = PasswordField(
        "Confirm new password",
        validators=[DataRequired("Enter the new password again"), Length(max=1024)],
    )


class ResetRequestForm(LearnHubForm):
    email = EmailField(
        "Email address",
        validators=[DataRequired("Enter your email address"), Length(max=320)],
    )


class CodeForm(LearnHubForm):
    code = StringField(
        "Code",
        validators=[DataRequired("Enter the code"), Length(max=40, message="Enter the code")],
    )


class RoleForm(LearnHubForm):
    role = SelectField(
        "Role",
        choices=[SelectChoice(role.value, label) for role, label in ROLE_LABELS.items()],
        validators=[DataRequired("Choose a role")],
    )


class TemporaryPasswordForm(LearnHubForm):
    password = PasswordField(
        "Temporary password",
        validators=[DataRequired("Enter a temporary password"), Length(max=1024)],
    )
