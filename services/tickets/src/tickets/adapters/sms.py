"""SMS delivery behind one small port: files in embedded mode, an HTTP provider in production."""
from __future__ import annotations

from pathlib import Path

import requests

from ..ports import SmsSender
from .email import write_atomically


class FileSmsSender:
    """Embedded mode: ``var/outbox/sms/<notification id>.txt`` (phone on the first line)."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def send(self, message_id: str, phone: str, text: str) -> None:
        write_atomically(self.folder / f"{message_id}.txt", f"To: {phone}\n\n{text}\n".encode())


class SmsProviderError(RuntimeError):
    pass


class HttpSmsSender:
    """A generic JSON SMS gateway: ``POST url {"id", "to", "text", "sender"}`` with a bearer token.

    The notification id goes in ``Idempotency-Key`` so a provider that supports it drops repeats.
    """

    def __init__(self, url: str, token: str, sender: str, timeout: float = 5.0,
                 session: requests.Session | None = None):
        self.url, self.token, self.sender, self.timeout = url, token, sender, timeout
        self.session = session or requests.Session()

    def send(self, message_id: str, phone: str, text: str) -> None:
        headers = {"Idempotency-Key": message_id}
        if self.token:
            headers["Authorization"] = f"Bearer {self.token}"
        response = self.session.post(self.url, json={"id": message_id, "to": phone, "text": text,
                                                     "sender": self.sender},
                                     headers=headers, timeout=self.timeout)
        if response.status_code >= 300:
            raise SmsProviderError(f"SMS provider answered {response.status_code}")


def sms_sender_from_settings(settings) -> SmsSender:
    if settings.sms_backend == "http":
        return HttpSmsSender(settings.sms_url, settings.sms_token, settings.sms_sender,
                             timeout=settings.http_timeout_seconds)
    return FileSmsSender(settings.outbox_path / "sms")
