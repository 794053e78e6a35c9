"""A local SMTP server's mailbox for tests (conftest's `smtp_server`, the delivery tests)."""

from __future__ import annotations

import socket
import threading


class MailBox:
    """aiosmtpd handler that keeps every message the SMTP server receives."""

    def __init__(self):
        self.messages: list = []
        self._lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        import email
        from email import policy

        message = email.message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append({"from": envelope.mail_from, "to": list(envelope.rcpt_tos), "message": message})
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]
