"""OTLP intake unit tests: fakes passed through the service's constructor, no storage."""

from __future__ import annotations

from tests import environment_defaults

environment_defaults.apply()
