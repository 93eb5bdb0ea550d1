"""Errors that services raise and the edges (views, API) turn into responses.

The API renders every one of them in one shape (RFC 7807 style), see fangkong.api.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class ErrorCode(StrEnum):
    INVALID = "invalid"
    NOT_FOUND = "not_found"
    PERMISSION_DENIED = "permission_denied"
    NOT_AUTHENTICATED = "not_authenticated"
    CONFLICT = "conflict"
    RATE_LIMITED = "rate_limited"
    TOTP_REQUIRED = "totp_required"
    LOCKED_OUT = "locked_out"
    SERVER_ERROR = "server_error"


@dataclass
class FieldError:
    field: str
    code: str
    message: str


class ApplicationError(Exception):
    """A rule of the domain said no; the message is for the user (already translated)."""

    code: ErrorCode = ErrorCode.INVALID
    status: int = 400

    def __init__(self, message: str, *, errors: list[FieldError] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors or []


class NotFound(ApplicationError):
    """Missing, or outside the caller's scope: the two must look the same."""

    code = ErrorCode.NOT_FOUND
    status = 404


class PermissionDenied(ApplicationError):
    code = ErrorCode.PERMISSION_DENIED
    status = 403


class Conflict(ApplicationError):
    code = ErrorCode.CONFLICT
    status = 409


@dataclass
class Problem:
    """The one error shape of the API."""

    status: int
    code: str
    title: str
    detail: str = ""
    errors: list[FieldError] = field(default_factory=list)

    def as_dict(self) -> dict[str, object]:
        return {
            "type": f"https://fangkong.invalid/errors/{self.code}",
            "title": self.title,
            "status": self.status,
            "code": self.code,
            "detail": self.detail,
            "errors": [e.__dict__ for e in self.errors],
        }
