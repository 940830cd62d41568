"""Gateway unit tests. Settings are read when storage modules are imported; these defaults only fill in what
is not set yet."""

from __future__ import annotations

from tests import environment_defaults

environment_defaults.apply()
