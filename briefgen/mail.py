"""E-mail for a distribution: one RFC 5322 message per recipient, and sending them over SMTP.

``write_messages`` writes ``<copy stem>.eml`` beside each copy: To the recipient, the copy's
files attached, subject and body from ``email-subject.txt.j2`` / ``email-body.txt.j2``, marked
``X-Unsent: 1`` so mail clients open it as a draft ready to send. Messages are repeatable (date
from the note, MIME boundary and Message-ID from the content), so the manifest's SHA-256 of a
message holds across rebuilds.

``send_messages`` sends exactly those bytes. Every message the server accepts is appended to
``send-log.jsonl`` in the output folder and flushed to disk before the next is sent, so a run
that is interrupted, or in which some recipients were refused, can simply be run again: it sends
only what the log does not show as accepted.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
from dataclasses import dataclass, field
from pathlib import Path

from briefgen.errors import Problem, SendError

__all__ = ["build_message", "write_messages", "send_messages", "SmtpSettings", "SendReport", "read_send_log"]

PASSWORD_ENV = "BRIEFGEN_SMTP_PASSWORD"
"""Environment variable the SMTP password is read from (it is never a command-line argument)."""
_MIME = {"pdf": ("application", "pdf"),
         "docx": ("application", "vnd.openxmlformats-officedocument.wordprocessingml.document")}


def build_message(*, to_name: str, to_email: str, subject: str, body: str, attachments: list[tuple[str, bytes]],
                  date: dt.date | None, sender: str | None, key: str) -> bytes:
    """Return an RFC 5322 message (CRLF line ends) as bytes: ``body`` as UTF-8 text and each
    (file name, bytes) of ``attachments`` attached. ``key`` (any text unique to this message)
    seeds the Message-ID and MIME boundary so the same input gives the same bytes.
    """
    from email import policy
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.utils import format_datetime

    message = EmailMessage(policy=policy.SMTP)
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()
    if sender:
        message["From"] = sender
    message["To"] = Address(display_name=to_name, addr_spec=to_email)
    message["Subject"] = subject
    when = dt.datetime.combine(date or dt.date(2000, 1, 1), dt.time(9, 0), tzinfo=dt.timezone.utc)
    message["Date"] = format_datetime(when)
    domain = sender.rsplit("@", 1)[-1].rstrip(">") if sender and "@" in sender else "briefgen.invalid"
    message["Message-ID"] = f"<briefgen.{digest[:32]}@{domain}>"
    message["X-Unsent"] = "1"
    message.set_content(body, charset="utf-8")
    for name, data in attachments:
        maintype, subtype = _MIME[name.rsplit(".", 1)[-1]]
        message.add_attachment(data, maintype=maintype, subtype=subtype, filename=name)
    message.set_boundary(f"briefgen-{digest[32:56]}")
    return message.as_bytes(policy=policy.SMTP)


def write_messages(copies, by_copy: dict, document, count: int, out_dir: Path, templates, outcome,
                   sender: str | None = None) -> dict[int, tuple[str, int, str]]:
    """Write ``<stem>.eml`` for each of ``copies`` (``distribute.Copy`` whose files were
    written, per ``by_copy``); return copy number -> (file name, bytes, SHA-256). A message
    that cannot be written is recorded in ``outcome`` (a ``DistributionResult``) as a failure
    of that copy; the others are still written.
    """
    from briefgen.stamps import BODY_TEMPLATE, SUBJECT_TEMPLATE, copy_context
    from briefgen.errors import BriefgenError
    from briefgen.output import write_atomic

    written: dict[int, tuple[str, int, str]] = {}
    for c in copies:
        result = by_copy[c.copy]
        try:
            names = [name for name, *_ in result.files]
            context = {**copy_context(c.recipient, count, document), "files": names}
            subject = templates.render(SUBJECT_TEMPLATE, context)
            body = templates.render(BODY_TEMPLATE, context, one_line=False)
            attachments = [(name, (out_dir / name).read_bytes()) for name in names]
            key = "|".join([c.stem, c.recipient.email, *(digest for *_, digest in result.files)])
            data = build_message(to_name=c.recipient.name, to_email=c.recipient.email, subject=subject, body=body,
                                 attachments=attachments, date=document.meta.date, sender=sender, key=key)
            name = f"{c.stem}.eml"
            write_atomic(out_dir / name, data)
            written[c.copy] = (name, len(data), hashlib.sha256(data).hexdigest())
        except BriefgenError as e:
            _fail(outcome, c.copy, e.problems, e.exit_code)
        except OSError as e:
            _fail(outcome, c.copy, (Problem(f"cannot read the copy to attach it: {e.strerror}"),), 3)
    return written


def _fail(outcome, copy: int, problems, exit_code: int) -> None:
    from dataclasses import replace

    for i, r in enumerate(outcome.results):
        if r.copy == copy:
            outcome.results[i] = replace(r, problems=tuple(problems), exit_code=exit_code)


@dataclass(frozen=True)
class SmtpSettings:
    """Where and how to send: ``host``, ``port``, ``security`` ("none", "starttls" or "ssl"),
    ``user`` and ``password`` (both None: no login), ``sender`` (the envelope and From address),
    ``timeout`` in seconds."""

    host: str
    port: int
    sender: str
    security: str = "none"
    user: str | None = None
    password: str | None = None
    timeout: float = 60.0


@dataclass
class SendReport:
    """What ``send_messages`` did: files sent now, files skipped (already in the send log),
    and (file, recipient, reason) for each refused or failed message."""

    sent: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)
    failed: list[tuple[str, str, str]] = field(default_factory=list)


def read_send_log(out_dir: Path) -> set[tuple[str, str]]:
    """Return (file, SHA-256) of every message the send log shows as accepted. A line cut short
    by a crash is ignored (its message counts as not sent)."""
    from briefgen.manifest import SEND_LOG

    accepted: set[tuple[str, str]] = set()
    try:
        text = (out_dir / SEND_LOG).read_text(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return accepted
    for line in text.splitlines():
        try:
            entry = json.loads(line)
            accepted.add((entry["file"], entry["sha256"]))
        except (ValueError, KeyError, TypeError):
            continue
    return accepted


def _connect(settings: SmtpSettings):
    import smtplib
    import ssl

    context = ssl.create_default_context()
    try:
        if settings.security == "ssl":
            client = smtplib.SMTP_SSL(settings.host, settings.port, timeout=settings.timeout, context=context)
        else:
            client = smtplib.SMTP(settings.host, settings.port, timeout=settings.timeout)
        client.ehlo()
        if settings.security == "starttls":
            client.starttls(context=context)
            client.ehlo()
        if settings.user:
            client.login(settings.user, settings.password or "")
        return client
    except smtplib.SMTPAuthenticationError as e:
        raise SendError(f"the SMTP server refused the login for {settings.user!r}: {e.smtp_code} "
                        f"{e.smtp_error.decode(errors='replace')}",
                        hint=f"check --user and the password (from ${PASSWORD_ENV} or the prompt)") from None
    except smtplib.SMTPNotSupportedError as e:
        raise SendError(f"the SMTP server does not support this: {e}",
                        hint="try --ssl or --starttls, or no login") from None
    except (OSError, smtplib.SMTPException) as e:
        raise SendError(f"cannot connect to the SMTP server {settings.host}:{settings.port}: {e}",
                        hint="check --smtp HOST:PORT and --ssl/--starttls") from None


def _without_draft_header(data: bytes) -> bytes:
    """Return the message ``data`` without its ``X-Unsent: 1`` header: it tells a mail client
    the .eml is a draft, which a sent message no longer is. The body and attachments are the
    bytes the manifest hashed."""
    head, sep, body = data.partition(b"\r\n\r\n") if b"\r\n\r\n" in data else data.partition(b"\n\n")
    lines = [line for line in head.splitlines(keepends=True) if not line.lower().startswith(b"x-unsent:")]
    return b"".join(lines) + sep + body


def send_messages(manifest: dict, out_dir: Path, settings: SmtpSettings, *, progress=None) -> SendReport:
    """Send every ``.eml`` the manifest lists that the send log does not show as accepted.

    Each message goes to its recipient only, as the exact bytes on disk, after checking that
    they still match the manifest. A refused recipient is recorded in the report and the others
    still go. Raises SendError if the server cannot be reached or refuses the login before
    anything is sent.
    """
    import smtplib

    from briefgen.manifest import sha256_file
    from briefgen.manifest import SEND_LOG

    report = SendReport()
    done = read_send_log(out_dir)
    pending = []
    for entry in manifest["files"]:
        if entry.get("format") != "eml":
            continue
        if (entry["file"], entry["sha256"]) in done:
            report.skipped.append(entry["file"])
        else:
            pending.append(entry)
    if not pending:
        return report
    client = _connect(settings)
    log = open(out_dir / SEND_LOG, "a", encoding="utf-8")
    try:
        for entry in pending:
            name, to = entry["file"], entry["email"]
            try:
                path = out_dir / name
                data = path.read_bytes()
                if hashlib.sha256(data).hexdigest() != entry["sha256"]:
                    report.failed.append((name, to, "the file no longer matches the manifest; rebuild it"))
                    continue
                if client is None:
                    client = _connect(settings)
                client.sendmail(settings.sender, [to], _without_draft_header(data))
            except smtplib.SMTPRecipientsRefused as e:
                code, reason = next(iter(e.recipients.values()))
                report.failed.append((name, to, f"refused by the server: {code} {reason.decode(errors='replace')}"))
            except smtplib.SMTPResponseException as e:
                report.failed.append((name, to, f"refused by the server: {e.smtp_code} "
                                                f"{e.smtp_error.decode(errors='replace')}"))
                if isinstance(e, smtplib.SMTPSenderRefused):
                    _reset(client)
            except smtplib.SMTPServerDisconnected as e:
                report.failed.append((name, to, f"the server closed the connection: {e}"))
                client = None
            except SendError as e:
                report.failed.append((name, to, str(e)))
            except OSError as e:
                report.failed.append((name, to, f"{e.strerror or e}"))
                client = None
            else:
                record = {"file": name, "sha256": entry["sha256"], "copy": entry.get("copy"), "to": to,
                          "accepted": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")}
                log.write(json.dumps(record, ensure_ascii=False) + "\n")
                log.flush()
                os.fsync(log.fileno())  # on disk before the next is sent: a crash never resends it
                report.sent.append(name)
            finally:
                if progress:
                    progress(name)
    finally:
        log.close()
        if client is not None:
            try:
                client.quit()
            except (OSError, smtplib.SMTPException):
                pass
    return report


def _reset(client) -> None:
    try:
        client.rset()
    except Exception:  # noqa: BLE001 - the next message reconnects if this one broke it
        pass
