"""Checking a metric definition against a subset of Twilio's OpenAPI description.

The subset maps ``<server URL><spec path>`` to the facts a definition can be
held to: the path's HTTP methods, the GET query parameter names, the record
list key and the property names of one record. The library's tests keep such
a subset under ``tests/data/oai/``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from tap_twilio_metrics.record_fields import fields_read
from tap_twilio_metrics.settings import DEFAULT_BASE_URL

if TYPE_CHECKING:
    from collections.abc import Mapping

EXPRESSION_FIELDS: Final = ("value", "dimension", "date", "expression")


def spec_key(definition: Mapping[str, Any]) -> str:
    """Return the subset key of a definition's endpoint (``{AccountSid}`` style)."""
    base_url = str(definition.get("base_url", DEFAULT_BASE_URL)).rstrip("/")
    path = str(definition.get("path", "")).replace("{account_sid}", "{AccountSid}")
    return base_url + path


def spec_problems(
    name: str, definition: Mapping[str, Any], endpoints: Mapping[str, Any]
) -> list[str]:
    """Return what in ``definition`` disagrees with ``endpoints``; empty when none."""
    key = spec_key(definition)
    endpoint = endpoints.get(key)
    if endpoint is None:
        return [f"{name}: {key} is not a path of the OpenAPI description"]
    if "get" not in endpoint["methods"]:
        return [f"{name}: {key} has no GET operation"]

    problems: list[str] = []
    declared = set(endpoint["query_parameters"])
    problems += [
        f"{name}: params['{param}'] is not a query parameter of GET {key}"
        for param in definition.get("params") or {}
        if param not in declared
    ]
    records = definition.get("records")
    if records is not None and records != endpoint["records_key"]:
        problems.append(
            f"{name}: records '{records}' is not the list key "
            f"'{endpoint['records_key']}' of GET {key}"
        )
    properties = set(endpoint["record_properties"])
    for field in EXPRESSION_FIELDS:
        source = definition.get(field)
        if not source:
            continue
        problems += [
            f"{name}: {field} reads '{read}', not a property of a {key} record"
            for read in fields_read(str(source))
            if read not in properties
        ]
    return problems
