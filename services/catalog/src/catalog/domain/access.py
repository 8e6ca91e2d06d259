"""Who may change what in the catalog (claims are those of docs/internal-contracts.md)."""
from __future__ import annotations


def may_edit_settings(claims: dict, organization_id: str) -> bool:
    """Region admins edit any organization; a registrar edits only their own."""
    role = claims.get("role")
    if role == "admin":
        return True
    return role == "registrar" and claims.get("organization_id") == organization_id


def may_import(claims: dict) -> bool:
    return claims.get("role") == "admin"
