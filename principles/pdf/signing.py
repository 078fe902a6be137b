"""Signing the site's PDFs (PAdES, with pyHanko) and checking a PDF that someone uploads.

The key and certificate come from a PKCS#12 file named by `PDF_SIGNING_PKCS12`, opened with
`PDF_SIGNING_PASSPHRASE`. `manage.py create_signing_key` makes a self-signed one for development.
A PDF counts as genuine when its one signature was made with that certificate, covers the whole
file and still matches the bytes it covers.
"""

import asyncio
import datetime
import enum
import functools
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    NoEncryption,
    pkcs12,
)
from cryptography.x509.oid import NameOID
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import signers
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.validation import async_validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

from .child_process import ChildProcessFailed, run_in_child

logger = logging.getLogger(__name__)

# The <meta> names by which a PDF of the site (the declaration, a consultation's report) says
# what it holds. WeasyPrint copies them into the document information dictionary without their
# dashes; the signature covers them, so a genuine file cannot lie about them.
METADATA_NAMES = (
    "declaration-version",
    "declaration-language",
    "snapshot-hash",
    "snapshot-count",
    "snapshot-taken-at",
    # A consultation's report (principles/consultation/report_pdf.py).
    "consultation-report",
    "report-language",
    "report-count",
)


@functools.cache
def _load_signer(path: str, passphrase: str) -> signers.SimpleSigner:
    signer = signers.SimpleSigner.load_pkcs12(path, passphrase=passphrase.encode() or None)
    if signer is None:
        raise ImproperlyConfigured(f"Could not open the PDF signing key {path}: wrong passphrase?")
    return signer


def site_signer() -> signers.SimpleSigner:
    path = settings.PDF_SIGNING_PKCS12
    if not path or not Path(path).is_file():
        raise ImproperlyConfigured(
            "Set PDF_SIGNING_PKCS12 to the site's PKCS#12 signing key "
            "(for development: `manage.py create_signing_key`)."
        )
    return _load_signer(str(path), settings.PDF_SIGNING_PASSPHRASE)


def sign_pdf(pdf: bytes, *, reason: str) -> bytes:
    """Sign `pdf` with the site's key as a PAdES baseline signature over the whole file."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name="Signature",
        reason=reason,
        location=settings.SITE_URL,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
    )
    output = _run(signers.async_sign_pdf(writer, metadata, signer=site_signer()))
    return output.getvalue()


def _run(coroutine):
    """Run one of pyHanko's coroutines to the end.

    pyHanko's synchronous functions call asyncio.run(), which fails in a thread that already
    runs an event loop (an async view; Playwright in the browser tests); such a thread hands
    the coroutine to a thread of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coroutine)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coroutine).result()


class Verdict(enum.Enum):
    GENUINE = "genuine"
    NOT_A_PDF = "not-a-pdf"
    UNREADABLE = "unreadable"
    UNSIGNED = "unsigned"
    SIGNED_BY_SOMEONE_ELSE = "signed-by-someone-else"
    ALTERED = "altered"


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    signed_at: datetime.datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)

    @property
    def is_genuine(self) -> bool:
        return self.verdict is Verdict.GENUINE

    @property
    def snapshot_taken_at(self) -> datetime.datetime | None:
        taken_at = self.metadata.get("snapshot_taken_at")
        return datetime.datetime.fromisoformat(taken_at) if taken_at else None


def verify_pdf(data: bytes) -> Verification:
    """Say whether `data` is a PDF that this site signed and that nobody changed since.

    Anyone may upload anything, and a small file can make a PDF parser recurse without end or
    build hundreds of MB of objects: the file is read in a child process under
    PDF_VERIFY_MEMORY_MB and PDF_VERIFY_TIMEOUT_SECONDS, and one it cannot read within them is
    unreadable."""
    if data.lstrip()[:5] != b"%PDF-":
        return Verification(Verdict.NOT_A_PDF)
    site_signer()  # a missing key is the site's configuration error, not the file's
    try:
        return run_in_child(
            _verify_here,
            data,
            memory_mb=settings.PDF_VERIFY_MEMORY_MB,
            timeout=settings.PDF_VERIFY_TIMEOUT_SECONDS,
        )
    except ChildProcessFailed as failure:
        logger.info("An uploaded PDF (%s bytes) could not be read: %s", len(data), failure)
        return Verification(Verdict.UNREADABLE)


def _verify_here(data: bytes) -> Verification:
    try:
        reader = PdfFileReader(BytesIO(data), strict=False)
        signatures = reader.embedded_signatures
    except Exception:
        # Cut short while downloading, damaged, or made to trip the parser (an object where a
        # dictionary belongs, arrays nested a thousand deep): nothing in it can be checked, not
        # even whether it was ever signed, so saying "altered" would claim more than we know.
        return Verification(Verdict.UNREADABLE)
    if not signatures:
        return Verification(Verdict.UNSIGNED)
    return _judge_signature(reader, signatures[-1])


def _judge_signature(reader: PdfFileReader, signature) -> Verification:
    certificate = site_signer().signing_cert
    try:
        if signature.signer_cert.dump() != certificate.dump():
            return Verification(Verdict.SIGNED_BY_SOMEONE_ELSE)
        status = _run(
            async_validate_pdf_signature(
                signature, ValidationContext(trust_roots=[certificate], allow_fetching=False)
            )
        )
    except (PdfError, ValueError, KeyError, TypeError):
        # A signature that no longer parses has been damaged or tampered with.
        return Verification(Verdict.ALTERED)
    if not (status.bottom_line and status.coverage == SignatureCoverageLevel.ENTIRE_FILE):
        return Verification(Verdict.ALTERED)
    return Verification(
        Verdict.GENUINE, signed_at=status.signer_reported_dt, metadata=_metadata_of(reader)
    )


def _metadata_of(reader: PdfFileReader) -> dict[str, str]:
    info = reader.trailer_view.get("/Info")
    if info is None:
        return {}
    info = info.get_object()
    keys = {name.replace("-", "_"): "/" + name.replace("-", "") for name in METADATA_NAMES}
    return {name: str(info[key]) for name, key in keys.items() if key in info}


def create_self_signed_key(*, path: Path, passphrase: str, common_name: str) -> x509.Certificate:
    """Write a new RSA key and a self-signed certificate for signing PDFs to `path` (PKCS#12).

    The certificate carries the digital signature and non-repudiation key usages: validators
    refuse a document signature whose certificate lacks non-repudiation.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=3 * 365))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,  # "non-repudiation"
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(key, hashes.SHA256())
    )
    encryption = BestAvailableEncryption(passphrase.encode()) if passphrase else NoEncryption()
    blob = pkcs12.serialize_key_and_certificates(
        common_name.encode(), key, certificate, None, encryption
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=False)  # readable by its owner only, from the start
    path.write_bytes(blob)
    return certificate
