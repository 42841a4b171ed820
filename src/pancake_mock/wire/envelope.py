"""The API's envelopes, and the handlers that turn every failure into one."""

from __future__ import annotations

import json
import logging
from typing import Any

from connexion.exceptions import ProblemException
from connexion.lifecycle import ConnexionRequest, ConnexionResponse
from starlette.exceptions import HTTPException

from ..domain import errors

log = logging.getLogger("pancake_mock")

# Statuses connexion or starlette may raise on their own, answered with our messages.
_FRAMEWORK_PROBLEMS = {
    400: errors.INVALID_JSON,
    401: errors.AUTHENTICATION_FAILED,
    404: errors.NOT_FOUND,
    405: errors.METHOD_NOT_ALLOWED,
    415: errors.UNSUPPORTED_MEDIA_TYPE,
}


def ok(data: Any, warnings: list[errors.Notice] | tuple = ()) -> dict[str, Any]:
    """A success; `warnings` name what was asked for and not done."""
    return {"data": data, "warnings": list(warnings)} if warnings else {"data": data}


def error_body(error: errors.ApiError) -> bytes:
    return json.dumps({"data": None, "errors": [{"message": error.message, "layer": error.layer}]}).encode()


def error_response(error: errors.ApiError, headers: dict[str, str] | None = None) -> ConnexionResponse:
    return ConnexionResponse(
        status_code=error.status,
        mimetype="application/json",
        content_type="application/json",
        body=error_body(error),
        headers=headers or {},
    )


def on_api_error(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    assert isinstance(exc, errors.ApiError)
    return error_response(exc)


def on_framework_error(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    status = exc.status if isinstance(exc, ProblemException) else exc.status_code  # type: ignore[attr-defined]
    problem = _FRAMEWORK_PROBLEMS.get(status, errors.INTERNAL)
    headers = dict(getattr(exc, "headers", None) or {})
    allow = {key: value for key, value in headers.items() if key.lower() == "allow"}
    return error_response(problem.error(), allow)


def on_unexpected(_request: ConnexionRequest, exc: Exception) -> ConnexionResponse:
    log.exception("unexpected failure", exc_info=exc)
    return error_response(errors.INTERNAL.error())


def install(app) -> None:
    app.add_error_handler(errors.ApiError, on_api_error)
    app.add_error_handler(ProblemException, on_framework_error)
    app.add_error_handler(HTTPException, on_framework_error)
    app.add_error_handler(Exception, on_unexpected)
