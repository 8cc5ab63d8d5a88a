from collections.abc import Mapping

from django import forms, template

register = template.Library()

# Keys of an errors mapping that belong to the whole form, not to one field.
FORM_KEYS = frozenset({"__all__", "form", "non_field_errors"})


def _items(source, prefix: str) -> list[tuple[str, str]]:
    if isinstance(source, forms.BaseForm):
        items = [("", str(message)) for message in source.non_field_errors()]
        for field in source:
            if not field.is_hidden:
                items += [(f"#{field.auto_id}", str(message)) for message in field.errors]
        return items
    if isinstance(source, Mapping):
        items = []
        for name, messages in source.items():
            href = "" if name in FORM_KEYS else f"#{prefix}{name}"
            items += [(href, str(message)) for message in _messages(messages)]
        return items
    return [("", str(message)) for message in _messages(source)]


def _messages(value) -> list:
    if not value:
        return []
    return [value] if isinstance(value, str) else list(value)


@register.inclusion_tag("core/_error_summary.html")
def error_summary(*sources, prefix: str = "id_") -> dict:
    """The GOV.UK error summary every form shows above itself after a failed submit, in one box:
    one link per field error to its field (`#<prefix><name>`), the form's own errors as plain
    lines. Each source is a Django form (its fields' ids come from the form), an errors mapping
    as the services raise it (`{"email": ["..."]}`), a list of messages or one message.
    app.js moves the focus to the summary on load."""
    return {"items": [item for source in sources for item in _items(source, prefix)]}
