"""Business errors of the catalog; api.py maps them to HTTP in one place."""
from __future__ import annotations


class CatalogNotFound(Exception):
    """Something asked for does not exist; the message (Russian) says what."""


class SettingsInvalid(Exception):
    def __init__(self, fields: dict[str, str]):
        super().__init__("invalid organization settings")
        self.fields = fields


class NotAllowed(Exception):
    """The caller's role does not allow this action."""
