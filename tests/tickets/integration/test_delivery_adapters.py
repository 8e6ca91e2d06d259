"""E-mail and SMS adapters: files in embedded mode, SMTP and an HTTP provider in production."""
import socket
import socketserver
import threading
from email import message_from_bytes
from email.policy import default

import pytest

from tickets.adapters.email import FileEmailSender, SmtpEmailSender
from tickets.adapters.sms import FileSmsSender, HttpSmsSender, SmsProviderError

pytestmark = pytest.mark.integration


def test_file_email_is_a_parseable_message_named_by_the_notification_id(tmp_path):
    sender = FileEmailSender(tmp_path, "Регистратура <no-reply@example.org>")
    sender.send("n-1", "ivanov@example.org", "Запись на приём", "Вы записаны на приём.")
    sender.send("n-1", "ivanov@example.org", "Запись на приём", "Вы записаны на приём.")  # a resend
    [path] = list(tmp_path.iterdir())
    assert path.name == "n-1.eml"
    message = message_from_bytes(path.read_bytes(), policy=default)
    assert message["Subject"] == "Запись на приём" and "n-1" in message["Message-ID"]
    assert message.get_content().strip() == "Вы записаны на приём."


def test_file_sms_has_the_phone_and_the_text(tmp_path):
    FileSmsSender(tmp_path).send("n-2", "+79225550167", "Вы записаны на приём")
    assert (tmp_path / "n-2.txt").read_text() == "To: +79225550167\n\nВы записаны на приём\n"


class FakeResponse:
    def __init__(self, status):
        self.status_code = status


class FakeSession:
    def __init__(self, status=200):
        self.status, self.calls = status, []

    def post(self, url, **kwargs):
        self.calls.append((url, kwargs))
        return FakeResponse(self.status)


def test_http_sms_posts_json_with_token_timeout_and_idempotency_key():
    session = FakeSession()
    HttpSmsSender("https://sms.example/send", "tok", "Registratura", timeout=4, session=session).send(
        "n-3", "+79225550167", "текст")
    [(url, kwargs)] = session.calls
    assert url == "https://sms.example/send" and kwargs["timeout"] == 4
    assert kwargs["json"] == {"id": "n-3", "to": "+79225550167", "text": "текст", "sender": "Registratura"}
    assert kwargs["headers"] == {"Idempotency-Key": "n-3", "Authorization": "Bearer tok"}


def test_http_sms_provider_error_is_raised_for_a_retry():
    with pytest.raises(SmsProviderError):
        HttpSmsSender("https://sms.example/send", "", "R", session=FakeSession(503)).send("n", "+7", "t")


class _SmtpHandler(socketserver.StreamRequestHandler):
    """Just enough SMTP to accept one message (records the DATA section)."""

    def handle(self):
        self.wfile.write(b"220 fake ESMTP\r\n")
        while line := self.rfile.readline():
            command = line.strip().upper()
            if command.startswith((b"EHLO", b"HELO")):
                self.wfile.write(b"250 fake\r\n")
            elif command == b"DATA":
                self.wfile.write(b"354 go ahead\r\n")
                data = b""
                while (chunk := self.rfile.readline()) != b".\r\n":
                    data += chunk
                self.server.messages.append(data)
                self.wfile.write(b"250 queued\r\n")
            elif command == b"QUIT":
                self.wfile.write(b"221 bye\r\n")
                return
            else:
                self.wfile.write(b"250 ok\r\n")


def test_smtp_sender_delivers_the_message_to_the_server():
    server = socketserver.TCPServer(("127.0.0.1", 0), _SmtpHandler)
    server.messages = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        SmtpEmailSender("127.0.0.1", server.server_address[1], "no-reply@example.org", timeout=5).send(
            "n-4", "ivanov@example.org", "Напоминание", "Завтра приём.")
    finally:
        server.shutdown()
        server.server_close()
    [raw] = server.messages
    message = message_from_bytes(raw, policy=default)
    assert message["To"] == "ivanov@example.org" and message["Subject"] == "Напоминание"


def test_smtp_sender_fails_fast_when_the_server_is_down():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(OSError):
        SmtpEmailSender("127.0.0.1", port, "no-reply@example.org", timeout=2).send("n", "a@b.c", "s", "b")
