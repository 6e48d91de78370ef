"""A tap config file as the ``twilio-metrics`` command reads it, metric by metric."""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from tap_twilio_metrics.errors import ConfigError
from tap_twilio_metrics.library import DEFAULT_METRICS, LIBRARY
from tap_twilio_metrics.settings import load_settings

if TYPE_CHECKING:
    from tap_twilio_metrics.settings import Metric, Settings


def read_config(path: str) -> dict[str, Any]:
    """Read a JSON tap config file.

    Raises:
        ConfigError: the file cannot be read or is not a JSON object.
    """
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        msg = f"--config {path}: cannot be read ({exc.strerror or exc})"
        raise ConfigError(msg) from None
    try:
        config = json.loads(text)
    except json.JSONDecodeError as exc:
        msg = f"--config {path}: not valid JSON ({exc.msg} at line {exc.lineno})"
        raise ConfigError(msg) from None
    if not isinstance(config, dict):
        msg = f"--config {path}: expected a JSON object of settings"
        raise ConfigError(msg)
    return config


def metric_definitions(config: Mapping[str, Any]) -> list[object]:
    """Return the metric definitions ``config`` enables, as the tap would.

    ``library_metrics`` names come first as ``{"name": n, "library": n}``,
    then the custom ``metrics``; without either, the default library set.
    """
    custom = config.get("metrics") or []
    custom = list(custom) if isinstance(custom, list) else []
    names = config.get("library_metrics")
    if names is None:
        names = [] if custom else list(DEFAULT_METRICS)
    library: list[object] = [{"name": name, "library": name} for name in names]
    return library + custom


def definition_name(definition: object, index: int) -> str:
    """Name a definition for messages, even one without a usable name."""
    if isinstance(definition, Mapping) and definition.get("name"):
        return str(definition["name"])
    return f"metrics[{index}]"


def load_metric(
    config: Mapping[str, Any], definition: object
) -> tuple[Settings, Metric]:
    """Check ``config`` with ``definition`` as its only metric.

    Raises:
        ConfigError: the settings or the definition are invalid.
    """
    settings = load_settings({**config, "library_metrics": [], "metrics": [definition]})
    return settings, settings.metrics[0]


def find_definition(config: Mapping[str, Any], name: str) -> object:
    """Return the definition named ``name``: configured, else from the library.

    Raises:
        ConfigError: no such metric; the message suggests the closest name.
    """
    definitions = metric_definitions(config)
    for index, definition in enumerate(definitions):
        if definition_name(definition, index) == name:
            return definition
    if name in LIBRARY:
        return {"name": name, "library": name}
    known = [definition_name(item, index) for index, item in enumerate(definitions)]
    known += [library for library in LIBRARY if library not in known]
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f"; did you mean '{close[0]}'?" if close else ""
    msg = (
        f"metric '{name}' is neither in the config nor in the library{hint} "
        "(twilio-metrics library lists the library)"
    )
    raise ConfigError(msg)
