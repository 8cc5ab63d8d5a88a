"""NIK (Nomor Induk Kependudukan) and KK rules, checked offline.

A NIK is 16 digits: `PP KK CC DDMMYY SSSS` — province, regency/city and district codes of the
region where it was issued, the birth date (day + 40 for women), and a serial number.
"""

import dataclasses
import datetime as dt
import re

from django.utils.translation import gettext_lazy as _

# BPS province codes (the first two digits of every NIK and KK), including the 2022 Papua split.
PROVINCES: dict[str, str] = {
    "11": "Aceh",
    "12": "Sumatera Utara",
    "13": "Sumatera Barat",
    "14": "Riau",
    "15": "Jambi",
    "16": "Sumatera Selatan",
    "17": "Bengkulu",
    "18": "Lampung",
    "19": "Kepulauan Bangka Belitung",
    "21": "Kepulauan Riau",
    "31": "DKI Jakarta",
    "32": "Jawa Barat",
    "33": "Jawa Tengah",
    "34": "DI Yogyakarta",
    "35": "Jawa Timur",
    "36": "Banten",
    "51": "Bali",
    "52": "Nusa Tenggara Barat",
    "53": "Nusa Tenggara Timur",
    "61": "Kalimantan Barat",
    "62": "Kalimantan Tengah",
    "63": "Kalimantan Selatan",
    "64": "Kalimantan Timur",
    "65": "Kalimantan Utara",
    "71": "Sulawesi Utara",
    "72": "Sulawesi Tengah",
    "73": "Sulawesi Selatan",
    "74": "Sulawesi Tenggara",
    "75": "Gorontalo",
    "76": "Sulawesi Barat",
    "81": "Maluku",
    "82": "Maluku Utara",
    "91": "Papua",
    "92": "Papua Barat",
    "93": "Papua Selatan",
    "94": "Papua Tengah",
    "95": "Papua Pegunungan",
    "96": "Papua Barat Daya",
}
_SIXTEEN = re.compile(r"^\d{16}$")


@dataclasses.dataclass(frozen=True)
class NikParts:
    province: str
    regency: str
    district: str
    day: int
    month: int
    year2: int
    female: bool
    serial: str


def _region_errors(number: str) -> list[str]:
    errors = []
    if number[:2] not in PROVINCES:
        errors.append(_("The region code (first digits) is not an Indonesian province."))
    elif number[2:4] == "00" or number[4:6] == "00":
        errors.append(_("The region code (first six digits) is not valid."))
    return errors


def parse_nik(number: str) -> NikParts:
    """Split a NIK into its parts. Raises ValueError for anything but 16 digits."""
    if not _SIXTEEN.match(number or ""):
        raise ValueError("NIK must be 16 digits")
    day = int(number[6:8])
    return NikParts(
        province=number[:2],
        regency=number[2:4],
        district=number[4:6],
        day=day - 40 if day > 40 else day,
        month=int(number[8:10]),
        year2=int(number[10:12]),
        female=day > 40,
        serial=number[12:],
    )


def nik_errors(number: str, *, birth_date: dt.date | None, gender: str | None) -> list[str]:
    """Every rule the NIK breaks, as messages (empty when valid). `gender` is "M" or "F"."""
    if not _SIXTEEN.match(number or ""):
        return [_("The NIK must be exactly 16 digits.")]
    errors = _region_errors(number)
    parts = parse_nik(number)
    if parts.serial == "0000":
        errors.append(_("The NIK's serial number is not valid."))
    if not (1 <= parts.month <= 12 and 1 <= parts.day <= 31):
        errors.append(_("The NIK does not encode a valid birth date."))
        return errors
    if birth_date is not None and (
        birth_date.day != parts.day
        or birth_date.month != parts.month
        or birth_date.year % 100 != parts.year2
    ):
        errors.append(_("The birth date does not match the one encoded in the NIK."))
    if gender in ("M", "F") and (gender == "F") != parts.female:
        errors.append(
            _("The gender does not match the NIK (women's NIKs add 40 to the day of birth).")
        )
    return errors


def kk_errors(number: str) -> list[str]:
    if not _SIXTEEN.match(number or ""):
        return [_("The family card (KK) number must be exactly 16 digits.")]
    return _region_errors(number)


def make_nik(
    *, birth_date: dt.date, female: bool, region: str = "317101", serial: str = "0001"
) -> str:
    """A NIK that satisfies the offline rules (demo data and tests)."""
    day = birth_date.day + (40 if female else 0)
    return f"{region}{day:02d}{birth_date.month:02d}{birth_date.year % 100:02d}{serial}"
