from django import template

from prakerja.core import consoles

register = template.Library()


@register.simple_tag(takes_context=True)
def console_menu(context, section: str) -> list[dict]:
    """The links of a console's menu (`core.consoles.nav`, that section) the user may follow."""
    request = context["request"]
    return consoles.nav.links_for(request.user, section=section, current_path=request.path)
