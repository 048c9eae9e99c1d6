"""Every Config field as a command-line option, generated from the dataclass so the CLI never lags behind it.

Free of torch: ``kit --help`` builds these options.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import typing
from typing import Any

from kit.config import CHOICES, Config, describe_fields

NONE_GIVEN = "none"
"""How an optional number is switched off on the command line (``--patience none``)."""


class _Off:
    """The parsed value of ``none`` for an optional number: distinct from argparse's "not given" (None) and from
    a choice that happens to be called "none" (``--scheduler none``)."""

    def __repr__(self) -> str:
        return "OFF"


OFF = _Off()


def add_config_options(parser: argparse.ArgumentParser) -> None:
    """One ``--option`` per Config field, its help the field's meaning and the course default."""
    group = parser.add_argument_group("Config (defaults: the course's settings, or --smoke's)")
    descriptions = describe_fields()
    hints = typing.get_type_hints(Config)
    for field in dataclasses.fields(Config):
        flag = "--" + field.name.replace("_", "-")
        kind = hints[field.name]
        default = field.default_factory() if field.default is dataclasses.MISSING else field.default
        meaning = descriptions[field.name].replace("%", "%%")  # argparse formats help with %
        options: dict[str, Any] = {"dest": field.name, "default": None,
                                   "help": f"{meaning} (course default: {_shown(default)})"}
        arguments = typing.get_args(kind)
        if kind is bool:
            options["action"] = argparse.BooleanOptionalAction
        elif typing.get_origin(kind) is dict:
            options.update(type=_json_object, metavar="JSON")
        elif typing.get_origin(kind) is tuple:
            options.update(type=_number_pair(arguments[0]), metavar="LOW,HIGH")
        elif type(None) in arguments:
            number = next(a for a in arguments if a is not type(None))
            options.update(type=_number_or_off(number), metavar="N|none")
        else:
            options.update(type=kind, choices=CHOICES.get(field.name))
        group.add_argument(flag, **options)


def config_overrides(args: argparse.Namespace) -> dict[str, Any]:
    """The Config fields given on the command line, as keyword arguments for ``Config``."""
    overrides = {}
    for field in dataclasses.fields(Config):
        value = getattr(args, field.name, None)
        if value is not None:  # None: not given on the command line
            overrides[field.name] = None if value is OFF else value
    return overrides


def _shown(value: Any) -> str:
    if isinstance(value, tuple):
        return ",".join(f"{v:g}" for v in value)
    return json.dumps(value) if isinstance(value, dict) else str(value)


def _json_object(text: str) -> dict:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as error:
        raise argparse.ArgumentTypeError(f"not JSON ({error}); e.g. '{{\"dropout\": 0.2}}'") from None
    if not isinstance(value, dict):
        raise argparse.ArgumentTypeError("must be a JSON object, e.g. '{\"dropout\": 0.2}'")
    return value


def _number_or_off(number: type):
    def parse(text: str):
        if text.strip().lower() in {NONE_GIVEN, "off"}:
            return OFF
        try:
            return number(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected a {number.__name__} or 'none', got {text!r}") from None

    return parse


def _number_pair(number: type):
    def parse(text: str):
        parts = text.split(",")
        try:
            if len(parts) != 2:
                raise ValueError
            return tuple(number(part) for part in parts)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected two numbers LOW,HIGH (e.g. 0.25,1), got {text!r}") from None

    return parse
