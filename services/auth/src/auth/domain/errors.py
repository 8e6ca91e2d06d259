"""Business errors of the auth service; api.py maps them to HTTP once."""
from __future__ import annotations


class InvalidInput(Exception):
    """Malformed input: {field: Russian message}. Maps to 422 validation_failed."""

    def __init__(self, fields: dict[str, str]):
        super().__init__(", ".join(fields))
        self.fields = fields


class AuthenticationFailed(Exception):
    """Credentials did not match (or the person is unknown): one answer for both."""


class TooManyAttempts(Exception):
    def __init__(self, retry_after: int):
        super().__init__(f"retry after {retry_after}s")
        self.retry_after = max(1, int(retry_after))


class DuplicatePatient(Exception):
    """Another patient already has this policy."""


class PatientNotFound(Exception):
    pass


class Forbidden(Exception):
    pass


class ConsentRequired(Exception):
    """The consent version given is not the current one."""
