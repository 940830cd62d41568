"""Core unit tests: settings for the processes that import `a2g` modules."""

from __future__ import annotations

from tests import environment_defaults

environment_defaults.apply()
