"""Control characters in text from outside (requests, websocket frames) are refused.

PostgreSQL cannot store NUL in text (psycopg raises: a 500), a lone surrogate cannot be encoded as
UTF-8, and the other C0 and C1 controls have no place in anything a person types or a client
sends. Tab, line feed and carriage return stay allowed. The HTTP side checks every request in
`middleware.ControlCharactersMiddleware`, the websocket side every frame in livechat's base
consumer; both answer with `control_character_errors`.
"""

import re

from django.utils.translation import gettext_lazy as _

CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
FIELD_MESSAGE = _("Remove the control characters (such as NUL) from this value.")


def has_control_characters(text: str) -> bool:
    return CONTROL_CHARACTERS.search(text) is not None


def fields_with_control_characters(data, *, field: str = "") -> list[str]:
    """The fields of `data` (a str, or dicts and lists of them as JSON decodes) whose name or
    text holds a control character, dotted ("items.0.body"); "__all__" for a bare string."""
    if isinstance(data, str):
        return [field or "__all__"] if has_control_characters(data) else []
    if isinstance(data, dict):
        found = []
        for key, value in data.items():
            name = f"{field}.{key}" if field else str(key)
            if has_control_characters(str(key)):
                found.append(field or "__all__")
            found += fields_with_control_characters(value, field=name)
        return found
    if isinstance(data, list):
        return [
            found
            for index, value in enumerate(data)
            for found in fields_with_control_characters(
                value, field=f"{field}.{index}" if field else str(index)
            )
        ]
    return []


def querydict_fields_with_control_characters(querydict) -> list[str]:
    """The query or form fields whose name or any value holds a control character."""
    return [
        "__all__" if has_control_characters(key) else key
        for key, values in querydict.lists()
        if has_control_characters(key) or any(has_control_characters(v) for v in values)
    ]


def control_character_errors(fields: list[str]) -> dict[str, list[str]]:
    """The `errors` of the refusal (shape of core.errors), one message per field."""
    return {field: [str(FIELD_MESSAGE)] for field in dict.fromkeys(fields)}
