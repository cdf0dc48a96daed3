"""Sending the copies: a real SMTP server (aiosmtpd) on loopback receives them."""

from __future__ import annotations

import hashlib
import json
import socket
from email import policy
from email.parser import BytesParser

import pytest

from conftest import BUNDLED, run_cli
from test_distribute import PEOPLE, write_people


class Mailbox:
    """An SMTP handler that keeps every message, and refuses the addresses in ``refuse``."""

    def __init__(self, refuse=()):
        self.refuse = set(refuse)
        self.messages: list[tuple[str, list[str], bytes]] = []

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):  # noqa: N802
        if address in self.refuse:
            return "550 5.1.1 mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):  # noqa: N802
        self.messages.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.content))
        return "250 Message accepted for delivery"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp():
    """Return a function starting an SMTP server on loopback: (mailbox, "host:port")."""
    from aiosmtpd.controller import Controller

    started = []

    def start(refuse=(), **kwargs):
        box = Mailbox(refuse)
        controller = Controller(box, hostname="127.0.0.1", port=free_port(), **kwargs)
        controller.start()
        started.append(controller)
        return box, f"127.0.0.1:{controller.port}"

    yield start
    for controller in started:
        controller.stop()


def send(people, out, server, *more, env=None):
    return run_cli("distribute", str(BUNDLED), "-r", str(people), "-o", str(out), "--send", "--smtp", server,
                   "--from", "South Asia Desk <desk@example.gov>", "-j", "2", *more, env=env)


def test_each_recipient_gets_one_message_with_their_exact_copy_and_a_rerun_sends_nothing(tmp_path, smtp):
    box, server = smtp()
    people = write_people(tmp_path / "people.csv")
    out = tmp_path / "out"
    result = send(people, out, server)
    assert result.returncode == 0, result.stderr
    assert "sent 12, already sent before 0, failed 0" in result.stderr
    manifest = json.loads((out / "manifest.json").read_text(encoding="utf-8"))
    by_file = {e["file"]: e for e in manifest["files"]}
    assert sorted(rcpts[0] for _, rcpts, _ in box.messages) == sorted(p[3] for p in PEOPLE)
    for mail_from, rcpts, content in box.messages:
        assert mail_from == "desk@example.gov" and len(rcpts) == 1
        message = BytesParser(policy=policy.default).parsebytes(content)
        assert message["To"].addresses[0].addr_spec == rcpts[0]
        attachments = list(message.iter_attachments())
        assert {a.get_content_type() for a in attachments} == {
            "application/pdf", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}
        for part in attachments:
            entry = by_file[part.get_filename()]
            assert entry["email"] == rcpts[0]
            assert hashlib.sha256(part.get_content()).hexdigest() == entry["sha256"]
    log = [json.loads(line) for line in (out / "send-log.jsonl").read_text(encoding="utf-8").splitlines()]
    assert sorted(entry["to"] for entry in log) == sorted(p[3] for p in PEOPLE)
    assert run_cli("verify", str(out)).returncode == 0

    again = send(people, out, server)
    assert again.returncode == 0, again.stderr
    assert "sent 0, already sent before 12, failed 0" in again.stderr
    assert len(box.messages) == 12


def test_a_refused_recipient_is_reported_the_others_delivered_and_a_rerun_sends_only_it(tmp_path, smtp):
    box, server = smtp(refuse={"jose@example.org"})
    people = write_people(tmp_path / "people.csv", PEOPLE[:5])
    out = tmp_path / "out"
    result = send(people, out, server, "--format", "pdf")
    assert result.returncode == 1
    assert "error: jose@example.org (" in result.stderr and "550" in result.stderr
    assert "sent 4, already sent before 0, failed 1" in result.stderr
    assert len(box.messages) == 4 and "jose@example.org" not in [r[0] for _, r, _ in box.messages]

    fixed, server = smtp()
    result = send(people, out, server, "--format", "pdf")
    assert result.returncode == 0, result.stderr
    assert [r for _, r, _ in fixed.messages] == [["jose@example.org"]]


def test_send_needs_addresses_a_sender_and_a_reachable_server(tmp_path):
    people = write_people(tmp_path / "people.csv", [("Jane Doe", "Minister", "MoFA", "")])
    result = send(people, tmp_path / "out", "127.0.0.1:1")
    assert result.returncode == 2 and f"{people}:2: email: is missing" in result.stderr
    people = write_people(tmp_path / "people.csv", [("Jane Doe", "Minister", "MoFA", "jane@example.org")])
    result = send(people, tmp_path / "out", f"127.0.0.1:{free_port()}", "--format", "pdf")
    assert result.returncode == 1 and "cannot connect to the SMTP server" in result.stderr
    result = run_cli("distribute", str(BUNDLED), "-r", str(people), "--send", "--smtp", "127.0.0.1:25")
    assert result.returncode == 2 and "--send needs --from" in result.stderr


def test_login_password_comes_from_the_environment(tmp_path, smtp):
    from aiosmtpd.smtp import AuthResult

    def authenticator(server, session, envelope, mechanism, auth_data):
        ok = auth_data.login in (b"desk", "desk") and auth_data.password in (b"s3cret", "s3cret")
        return AuthResult(success=ok, handled=False)

    box, server = smtp(authenticator=authenticator, auth_require_tls=False)
    people = write_people(tmp_path / "people.csv", PEOPLE[:2])
    result = run_cli("distribute", str(BUNDLED), "-r", str(people), "-o", str(tmp_path / "out"), "--send",
                     "--smtp", server, "--from", "desk@example.gov", "--user", "desk", "--format", "pdf",
                     env={"BRIEFGEN_SMTP_PASSWORD": "wrong"})
    assert result.returncode == 1 and "refused the login" in result.stderr and not box.messages
    result = run_cli("distribute", str(BUNDLED), "-r", str(people), "-o", str(tmp_path / "out"), "--send",
                     "--smtp", server, "--from", "desk@example.gov", "--user", "desk", "--format", "pdf",
                     env={"BRIEFGEN_SMTP_PASSWORD": "s3cret"})
    assert result.returncode == 0, result.stderr
    assert len(box.messages) == 2


@pytest.fixture
def tls(tmp_path):
    """A certificate authority of the test's own (trustme): the CA file clients trust, and the
    server's TLS context with a certificate for 127.0.0.1."""
    import ssl

    import trustme

    ca = trustme.CA()
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(context)
    return ca_file, context


@pytest.mark.parametrize("mode", ["--starttls", "--ssl"])
def test_tls_connections_verify_the_server_certificate(tmp_path, smtp, tls, mode):
    ca_file, context = tls
    options = {"tls_context": context, "require_starttls": True} if mode == "--starttls" else {"ssl_context": context}
    box, server = smtp(**options)
    people = write_people(tmp_path / "people.csv", PEOPLE[:2])
    # A server whose certificate nobody vouches for is refused before anything is sent.
    result = send(people, tmp_path / "out", server, mode, "--format", "pdf")
    assert result.returncode == 1 and "cannot connect to the SMTP server" in result.stderr
    assert "CERTIFICATE_VERIFY_FAILED" in result.stderr and not box.messages
    # Trusted (SSL_CERT_FILE names the CA, as for any OpenSSL program): delivered.
    result = send(people, tmp_path / "out", server, mode, "--format", "pdf", env={"SSL_CERT_FILE": str(ca_file)})
    assert result.returncode == 0, result.stderr
    assert sorted(r[0] for _, r, _ in box.messages) == ["jane@example.org", "jose@example.org"]
