"""The emails the site sent. The task worker sends them through Django's file backend, which
writes the messages of each connection to a file in one folder."""

import email
import email.policy
import re
import time
from dataclasses import dataclass
from pathlib import Path

# What Django's file backend writes after each message.
SEPARATOR = "\n" + "-" * 79 + "\n"


@dataclass(frozen=True)
class Email:
    to: str
    subject: str
    body: str

    def link(self, path: str) -> str:
        """The first address in the body whose path, after any language prefix (/fr/),
        starts with `path`."""
        prefix = r"(/[a-z]{2}(-[a-z]+)?)?"
        found = re.search(rf"https?://[^/\s]+{prefix}{re.escape(path)}\S*", self.body)
        assert found, f"No link to {path} in the email {self.subject!r} to {self.to}:\n{self.body}"
        return found.group()


class Mailbox:
    def __init__(self, folder: Path):
        self.folder = folder

    def emails(self) -> list[Email]:
        found = []
        for path in sorted(self.folder.glob("*.log")):
            for raw in path.read_text().split(SEPARATOR):
                if raw.strip():
                    # As bytes: parsed from a str, an 8-bit body loses its non-ASCII letters.
                    message = email.message_from_bytes(raw.encode(), policy=email.policy.default)
                    found.append(
                        Email(
                            to=str(message["To"]),
                            subject=str(message["Subject"]),
                            body=message.get_content(),
                        )
                    )
        return found

    def wait_for(self, *, to: str, subject: set[str], seconds: float = 60) -> Email:
        """The email to `to` with one of the subjects in `subject` (the English and the
        endorser's language), once the worker has sent it."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            for sent in self.emails():
                if sent.to == to and sent.subject.strip() in subject:
                    return sent
            time.sleep(0.2)
        sent = [(sent.to, sent.subject) for sent in self.emails()]
        raise AssertionError(f"After {seconds} s, no {subject} to {to}. Sent: {sent}")
