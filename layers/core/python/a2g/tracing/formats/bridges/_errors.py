"""The one error a bridge raises."""

from __future__ import annotations


class BridgeError(ValueError):
    """A body or stream event could not be translated between two formats.

    The message is a sentence meant for the developer (a 400 on a request, a 502 on an upstream answer); it never
    contains an upstream's URL or key.
    """

