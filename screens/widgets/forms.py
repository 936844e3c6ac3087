"""The fields an API step asks for, and which saved setting each one fills."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class FormField:
    key: str
    label: str
    setting: str | None = None  # SetupSettings attribute holding the default and the choice
    secret: bool = False
    placeholder: str = ""


FORMS: dict[str, tuple[FormField, ...]] = {
    "create-app": (FormField("label", "App name", "app_label"),),
    "group": (
        FormField("name", "Group name", "group_name"),
        FormField("description", "Description", "group_description"),
    ),
    "test-user": (
        FormField("login", "Username (email)", "test_user_login", placeholder="taylor@example.com"),
        FormField("first_name", "First name", placeholder="Taylor"),
        FormField("last_name", "Last name", placeholder="Test"),
        FormField("password", "Password", secret=True, placeholder="used once, never saved"),
    ),
    "assign": (
        FormField("preferred_language", "Preferred Language", "preferred_language"),
        FormField("locale", "Locale", "locale"),
    ),
}
EXISTING_USERS = FormField("existing_logins", "Existing users to add", placeholder="logins, comma separated")
