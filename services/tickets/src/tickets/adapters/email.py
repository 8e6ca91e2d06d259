"""E-mail delivery: SMTP in production, ``.eml`` files under var/outbox/email/ in embedded mode."""
from __future__ import annotations

import os
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path

from ..ports import EmailSender


def build_message(sender: str, message_id: str, to: str, subject: str, body: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = subject
    message["Date"] = formatdate(localtime=False)
    # A stable Message-ID per notification lets mail servers drop a resend of the same message.
    message["Message-ID"] = make_msgid(idstring=message_id, domain="registratura.local")
    message["X-Registratura-Notification"] = message_id
    message.set_content(body)
    return message


def write_atomically(path: Path, data: bytes) -> None:
    """Write to a temporary name and rename, so a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_bytes(data)
    os.replace(tmp, path)


class FileEmailSender:
    """Embedded mode: one ``<notification id>.eml`` per message, so a resend overwrites it."""

    def __init__(self, folder: Path, sender: str):
        self.folder = Path(folder)
        self.sender = sender

    def send(self, message_id: str, to: str, subject: str, body: str) -> None:
        message = build_message(self.sender, message_id, to, subject, body)
        write_atomically(self.folder / f"{message_id}.eml", message.as_bytes())


class SmtpEmailSender:
    def __init__(self, host: str, port: int, sender: str, *, user: str = "", password: str = "",
                 starttls: bool = False, use_ssl: bool = False, timeout: float = 10.0):
        self.host, self.port, self.sender = host, port, sender
        self.user, self.password = user, password
        self.starttls, self.use_ssl, self.timeout = starttls, use_ssl, timeout

    def send(self, message_id: str, to: str, subject: str, body: str) -> None:
        message = build_message(self.sender, message_id, to, subject, body)
        context = ssl.create_default_context()
        if self.use_ssl:
            client = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout, context=context)
        else:
            client = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        with client:
            if self.starttls and not self.use_ssl:
                client.starttls(context=context)
            if self.user:
                client.login(self.user, self.password)
            client.send_message(message)


def email_sender_from_settings(settings) -> EmailSender:
    if settings.email_backend == "smtp":
        return SmtpEmailSender(settings.smtp_host, settings.smtp_port, settings.smtp_sender,
                               user=settings.smtp_user, password=settings.smtp_password,
                               starttls=settings.smtp_starttls, use_ssl=settings.smtp_ssl,
                               timeout=settings.smtp_timeout_seconds)
    return FileEmailSender(settings.outbox_path / "email", settings.smtp_sender)
