"""The staff member behind a registry call, as their verified token names them (pure)."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Actor:
    """The staff member behind a registry call (from their verified token)."""
    id: str
    role: str
    organization_id: str | None
    client_ip: str | None = None

    @property
    def region_wide(self) -> bool:
        """A region admin sees every patient; a registrar only those of their organization."""
        return self.role == "admin"

    @classmethod
    def from_claims(cls, claims: dict, client_ip: str | None) -> "Actor":
        return cls(id=str(claims.get("sub") or ""), role=str(claims.get("role") or ""),
                   organization_id=claims.get("organization_id"), client_ip=client_ip)
