#!/usr/bin/python3
"""A throw-away SMTP server for tests: it accepts mail on 127.0.0.1 and keeps each message as
files, so a test can check exactly what a sender put on the wire.

Usage:
    python3 tests/support/smtp_sink.py [options] DIR

    DIR                     where messages are written (created if missing)
    --auth USER:PASSWORD    require AUTH (PLAIN or LOGIN) with these credentials before MAIL.
                            AUTH is offered even without TLS, so that a test can prove the
                            client is the one refusing to send a password in clear.
    --rcpt-4xx ADDRESS      answer RCPT TO:<ADDRESS> with 450 (try again later); repeatable
    --rcpt-5xx ADDRESS      answer RCPT TO:<ADDRESS> with 550 (no such mailbox); repeatable
    --max-size BYTES        refuse a message larger than this with 552 (advertised as SIZE,
                            so a client that declares the size is refused at MAIL FROM)
    --starttls              offer STARTTLS with a fresh self-signed certificate for 127.0.0.1
                            and localhost, written to DIR/sink-cert.pem for the client to trust
                            (needs the `openssl` command)
    --smtps                 TLS from the first byte (implicit TLS) with that same certificate
    --timeout SECONDS       exit by itself after this long (default 120), so a test that dies
                            never leaves the server behind
    --verbose               log every SMTP session to stderr (by default only a failure to
                            start is reported; a client dropping the connection is not)

The first line on stdout is `port N` (the free port it listens on), flushed; nothing else is
written to stdout. It exits with status 0 on SIGTERM, SIGINT or the timeout.

Each accepted message becomes two files, numbered in the order received:
    DIR/message-0001.eml    the raw message as received (after SMTP dot-unstuffing), CRLF kept
    DIR/message-0001.json   {"mail_from": "a@b", "rcpt_tos": ["c@d"], "tls": true,
                             "auth_login": "user" or null, "data_file": "message-0001.eml"}
The .json file is renamed into place after the .eml file is complete, and both exist before the
server answers 250 to the end of DATA: once a client has been told the message was accepted, the
files are there. Every AUTH attempt (successful or not) appends one line of JSON to
DIR/auth-attempts.jsonl: {"mechanism": "PLAIN", "login": "user", "tls": false, "success": true}.

The server needs Debian's python3-aiosmtpd. When started by another python3 that lacks it (for
example a pyenv shim first on PATH), it restarts itself under /usr/bin/python3.
"""

import os
import sys

try:
    import aiosmtpd  # noqa: F401  (checked here so the restart happens before any other work)
except ImportError:
    debian_python = "/usr/bin/python3"
    if os.path.realpath(sys.executable) != os.path.realpath(debian_python) and os.access(
        debian_python, os.X_OK
    ):
        os.execv(debian_python, [debian_python, os.path.abspath(__file__), *sys.argv[1:]])
    sys.exit("smtp_sink: aiosmtpd is missing; install it with: apt-get install python3-aiosmtpd")

import argparse
import asyncio
import json
import logging
import signal
import ssl
import subprocess
import warnings

from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword


def parse_args():
    parser = argparse.ArgumentParser(description="SMTP sink for tests")
    parser.add_argument("dir")
    parser.add_argument("--auth", metavar="USER:PASSWORD")
    parser.add_argument("--rcpt-4xx", action="append", default=[], metavar="ADDRESS")
    parser.add_argument("--rcpt-5xx", action="append", default=[], metavar="ADDRESS")
    parser.add_argument("--max-size", type=int, default=33554432, metavar="BYTES")
    tls = parser.add_mutually_exclusive_group()
    tls.add_argument("--starttls", action="store_true")
    tls.add_argument("--smtps", action="store_true")
    parser.add_argument("--timeout", type=float, default=120.0, metavar="SECONDS")
    parser.add_argument("--verbose", action="store_true")
    args = parser.parse_args()
    if args.auth is not None and ":" not in args.auth:
        parser.error("--auth takes USER:PASSWORD")
    return args


def make_tls_context(directory):
    cert = os.path.join(directory, "sink-cert.pem")
    key = os.path.join(directory, "sink-key.pem")
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-keyout", key, "-out", cert, "-days", "2", "-subj", "/CN=localhost",
         "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
         "-addext", "basicConstraints=critical,CA:TRUE"],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


class Sink:
    def __init__(self, args):
        self.dir = args.dir
        self.rcpt_4xx = {a.lower() for a in args.rcpt_4xx}
        self.rcpt_5xx = {a.lower() for a in args.rcpt_5xx}
        self.implicit_tls = args.smtps
        self.login, self.password = (None, None)
        if args.auth is not None:
            self.login, self.password = args.auth.split(":", 1)
        self.count = 0

    def uses_tls(self, server, session):
        return self.implicit_tls or session.ssl is not None

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        ok = (isinstance(auth_data, LoginPassword) and self.login is not None
              and auth_data.login.decode("utf-8", "replace") == self.login
              and auth_data.password.decode("utf-8", "replace") == self.password)
        login = auth_data.login.decode("utf-8", "replace") if isinstance(
            auth_data, LoginPassword) else None
        with open(os.path.join(self.dir, "auth-attempts.jsonl"), "a", encoding="utf-8") as f:
            f.write(json.dumps({"mechanism": mechanism, "login": login,
                                "tls": self.uses_tls(server, session), "success": ok}) + "\n")
        # handled=False: aiosmtpd then answers 535 itself; the default would leave the client waiting.
        return AuthResult(success=ok, handled=False, auth_data=login)

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.lower() in self.rcpt_4xx:
            return "450 4.2.1 Mailbox busy, try again later"
        if address.lower() in self.rcpt_5xx:
            return "550 5.1.1 No such mailbox"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.count += 1
        stem = f"message-{self.count:04d}"
        with open(os.path.join(self.dir, stem + ".eml"), "wb") as f:
            f.write(envelope.original_content)
        record = {"mail_from": envelope.mail_from, "rcpt_tos": envelope.rcpt_tos,
                  "tls": self.uses_tls(server, session),
                  "auth_login": session.auth_data if session.authenticated else None,
                  "data_file": stem + ".eml"}
        partial = os.path.join(self.dir, stem + ".json.partial")
        with open(partial, "w", encoding="utf-8") as f:
            json.dump(record, f)
        os.replace(partial, os.path.join(self.dir, stem + ".json"))
        return "250 OK: queued"


async def serve(args):
    os.makedirs(args.dir, exist_ok=True)
    tls_context = make_tls_context(args.dir) if (args.starttls or args.smtps) else None
    sink = Sink(args)
    loop = asyncio.get_running_loop()

    def protocol():
        return SMTP(sink, hostname="smtp-sink.test", ident="Rapport test SMTP sink",
                    data_size_limit=args.max_size,
                    tls_context=tls_context if args.starttls else None,
                    auth_required=args.auth is not None,
                    # Offer AUTH on a plain connection too: the client must be the one refusing.
                    auth_require_tls=False,
                    authenticator=sink.authenticate, loop=loop)

    server = await loop.create_server(protocol, host="127.0.0.1", port=0,
                                      ssl=tls_context if args.smtps else None)
    port = server.sockets[0].getsockname()[1]
    sys.stdout.write(f"port {port}\n")
    sys.stdout.flush()

    stop = loop.create_future()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, lambda: stop.done() or stop.set_result(None))
    loop.call_later(args.timeout, lambda: stop.done() or stop.set_result(None))
    await stop
    server.close()


def main():
    args = parse_args()
    if args.verbose:
        logging.basicConfig(level=logging.INFO, stream=sys.stderr)
    else:
        # Tests provoke failed handshakes and dropped sessions on purpose; aiosmtpd would print
        # a traceback for each. It also warns about AUTH without TLS, which is deliberate here.
        warnings.simplefilter("ignore")
        logging.getLogger("mail.log").setLevel(logging.CRITICAL)
    asyncio.run(serve(args))


if __name__ == "__main__":
    main()
