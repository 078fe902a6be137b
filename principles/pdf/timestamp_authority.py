"""A small RFC 3161 timestamp authority, for the tests and for development, never for production.

It answers `application/timestamp-query` over HTTP on 127.0.0.1 with pyHanko's
`DummyTimeStamper`, signing with a self-signed certificate of its own (made by
`create_authority`). Production uses a real authority (`PDF_TIMESTAMP_URL`).
"""

import datetime
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

from asn1crypto import keys, tsp
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import ExtendedKeyUsageOID
from pyhanko.sign.timestamps import DummyTimeStamper

from .signing import self_signed_certificate

# A request larger than this is no timestamp query.
MAX_QUERY_BYTES = 64 * 1024


@dataclass(frozen=True)
class Authority:
    """Where the authority's key and certificate are (PEM); the certificate is what a
    verifier trusts (`PDF_TIMESTAMP_TRUST`)."""

    key_path: Path
    certificate_path: Path

    def timestamper(self) -> DummyTimeStamper:
        certificate = asn1_x509.Certificate.load(
            x509.load_pem_x509_certificate(self.certificate_path.read_bytes()).public_bytes(
                serialization.Encoding.DER
            )
        )
        key = serialization.load_pem_private_key(self.key_path.read_bytes(), password=None)
        der_key = key.private_bytes(
            serialization.Encoding.DER,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        return DummyTimeStamper(tsa_cert=certificate, tsa_key=keys.PrivateKeyInfo.load(der_key))


def create_authority(
    *, folder: Path, days: int = 365, common_name: str = "Development timestamp authority"
) -> Authority:
    """Write a new RSA key and a self-signed certificate for timestamping (the critical
    time-stamping extended key usage that RFC 3161 asks for), valid for `days`."""
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    certificate = self_signed_certificate(
        key=key,
        common_name=common_name,
        valid_for=datetime.timedelta(days=days),
        extended_key_usage=ExtendedKeyUsageOID.TIME_STAMPING,
    )
    folder.mkdir(parents=True, exist_ok=True)
    authority = Authority(key_path=folder / "tsa-key.pem", certificate_path=folder / "tsa.pem")
    authority.key_path.touch(mode=0o600, exist_ok=False)
    authority.key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    authority.certificate_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    return authority


def serve(authority: Authority, *, host: str = "127.0.0.1", port: int = 0) -> ThreadingHTTPServer:
    """An HTTP server answering timestamp queries, not started yet (`serve_forever`); port 0
    takes a free one (`server.server_address`)."""
    timestamper = authority.timestamper()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            length = int(self.headers.get("Content-Length") or 0)
            if self.headers.get("Content-Type") != "application/timestamp-query" or not (
                0 < length <= MAX_QUERY_BYTES
            ):
                self.send_error(400, "Send an RFC 3161 timestamp query.")
                return
            try:
                query = tsp.TimeStampReq.load(self.rfile.read(length))
                reply = timestamper.request_tsa_response(query).dump()
            except ValueError:
                self.send_error(400, "This is not a timestamp query.")
                return
            self.send_response(200)
            self.send_header("Content-Type", "application/timestamp-reply")
            self.send_header("Content-Length", str(len(reply)))
            self.end_headers()
            self.wfile.write(reply)

        def log_message(self, format, *args):
            pass

    return ThreadingHTTPServer((host, port), Handler)


def serve_in_thread(authority: Authority) -> tuple[ThreadingHTTPServer, str]:
    """Start the authority on a free port of 127.0.0.1 in a daemon thread; the server (to
    `shutdown()`) and its URL."""
    server = serve(authority)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    host, port = server.server_address[:2]
    return server, f"http://{host}:{port}/"
