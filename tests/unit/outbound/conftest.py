"""The outbound tests' local HTTP server."""

from tests.unit.outbound.http_test_server import server

__all__ = ["server"]
