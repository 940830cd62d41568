from tests.unit.tracing.bridges.sdk_server import sdk_server

__all__ = ["sdk_server"]
