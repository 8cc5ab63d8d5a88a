"""Filters for figures on every page (a template builtin, see settings): `number`, `percent`,
`rupiah`, `cell` and `timestamp`, all from `core.formatting`."""

from django import template

from prakerja.core import formatting

register = template.Library()

register.filter("number", formatting.number)
register.filter("percent", formatting.percent)
register.filter("rupiah", formatting.rupiah)
register.filter("cell", formatting.cell)
register.filter("timestamp", formatting.timestamp, expects_localtime=True)
