import re

from django import template

from prakerja.core.logging import mask_nik
from prakerja.core.roles import CONTACT_CENTER_ROLES, has_role

register = template.Library()


@register.filter(name="mask_nik")
def mask_nik_filter(value) -> str:
    """Agent views never show a full 16-digit NIK/KK, wherever the requester typed it."""
    return mask_nik(str(value or ""))


@register.filter
def is_contact_center(user) -> bool:
    return has_role(user, *CONTACT_CENTER_ROLES)


# Where an e-mail's own words end: quoted history, a client's "wrote:" line, a forwarded or
# original-message banner, the signature separator, a phone's "sent from" line.
_FOLD_FROM = re.compile(
    r"^(>|(On|Pada|Le|Am) .{0,200}(wrote|menulis|a écrit|schrieb)\s*:\s*$|-{2,}\s*"
    r"(Original Message|Pesan Asli|Forwarded message|Pesan yang Diteruskan)|_{10,}\s*$|--\s*$|"
    r"(Sent from|Dikirim dari) )",
    re.IGNORECASE,
)


@register.filter
def fold_quoted(value) -> tuple[str, str]:
    """(the message's own words, the quoted history and signature after them) of an e-mail's
    text; ("", "") parts are never both set: with nothing before the fold, all is shown."""
    lines = str(value or "").split("\n")
    for index, line in enumerate(lines):
        if _FOLD_FROM.match(line.strip() if not line.startswith(">") else line):
            own = "\n".join(lines[:index]).strip()
            if own:
                return own, "\n".join(lines[index:]).strip()
            break
    return str(value or ""), ""
