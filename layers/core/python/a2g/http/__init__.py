"""The HTTP side of every function: a FastAPI app factory, the error mapper and identity dependencies."""

from a2g.http.app import create_app, lambda_handler_for
from a2g.http.body import JsonBody
from a2g.http.deps import AdminPrincipal, AnyPrincipal, ApprovedPrincipal

__all__ = ["AdminPrincipal", "AnyPrincipal", "ApprovedPrincipal", "JsonBody", "create_app", "lambda_handler_for"]
