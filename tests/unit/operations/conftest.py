"""Unit tests of the operations jobs: no storage, fakes through constructors.

Settings are read when the storage models are imported; these defaults only fill in what no other test
module set first (nothing here talks to a table).
"""

from __future__ import annotations

from tests import environment_defaults

environment_defaults.apply()
