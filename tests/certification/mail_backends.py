"""An e-mail backend that behaves like a mail server with problems, for the reminder tests.

It is a real backend (Django's in-memory one, which fills `mail.outbox`), configured by
settings, so the code under test calls `send_mail` exactly as it does in production.
"""

import smtplib

from django.conf import settings
from django.core.mail.backends.locmem import EmailBackend

REPLIES = {5: b"5.1.1 Recipient address rejected", 4: b"4.2.2 Mailbox temporarily unavailable"}


class RefusingBackend(EmailBackend):
    """Refuses the addresses in settings.MAIL_REFUSED ({address: SMTP reply code}) as an SMTP
    server does at RCPT TO, raising what smtplib raises; with settings.MAIL_SERVER_DOWN set,
    the connection itself is refused. Messages before a refused one are delivered, as over SMTP.
    """

    def send_messages(self, messages):
        if getattr(settings, "MAIL_SERVER_DOWN", False):
            raise ConnectionRefusedError(111, "Connection refused")
        codes = getattr(settings, "MAIL_REFUSED", {})
        sent = 0
        for message in messages:
            recipients = message.recipients()
            if recipients and all(address in codes for address in recipients):
                raise smtplib.SMTPRecipientsRefused(
                    {a: (codes[a], REPLIES[codes[a] // 100]) for a in recipients}
                )
            sent += super().send_messages([message])
        return sent
