"""Unit tests of the playground: services with in-memory fakes passed through their constructors.

Settings are read when storage modules are imported; these defaults only fill in what is not set yet.
"""

from __future__ import annotations

from tests import environment_defaults

environment_defaults.apply()
