"""What a patient's attachment (прикрепление) allows: the meaning of the ``attachments`` claim
of auth's tokens (docs/internal-contracts.md, "Token claims"), shared by booking (which enforces
it) and the gateway (whose earliest-time search shows a patient only the doctors they may book).
Pure: no imports, so domain packages may use it."""
from __future__ import annotations


def is_attached(attachments: list[dict] | None, organization_id: str,
                doctor_areas: list[str] | None) -> bool:
    """Attached to the organization and, when both the doctor and the attachment name an area
    (участок), to one of the doctor's areas."""
    areas = {str(a) for a in doctor_areas or ()}
    for item in attachments or []:
        if item.get("organization_id") != organization_id:
            continue
        area = item.get("area")
        if not areas or not area or str(area) in areas:
            return True
    return False
