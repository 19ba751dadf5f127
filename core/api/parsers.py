"""Request body parsers: DRF's, hardened against hostile bodies."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import parsers
from rest_framework.exceptions import ParseError

MALFORMED_JSON_TOO_DEEP = _("Malformed JSON: nested too deeply.")


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, except that JSON nested deeper than Python's recursion limit (say
    ``[`` * 100000) is a 400 like any other malformed body, instead of a RecursionError (500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError:
            raise ParseError(MALFORMED_JSON_TOO_DEEP) from None
