"""Signing the site's PDFs (PAdES, with pyHanko) and checking a PDF that someone uploads.

The key and certificate come from a PKCS#12 file named by `PDF_SIGNING_PKCS12`, opened with
`PDF_SIGNING_PASSPHRASE`. `manage.py create_signing_key` makes a self-signed one for development.

With a timestamp authority (`PDF_TIMESTAMP_URL`, its root certificate in `PDF_TIMESTAMP_TRUST`)
a signature is long-term, PAdES-B-LTA: a timestamp on the signature (B-T), the certificates and
revocation data of the signing chain in the file's document security store (B-LT), and a
document timestamp over all of it (B-LTA), which `add_document_timestamp` renews before its
authority's certificate expires. Without one, a signature is PAdES-B-B and stops verifying when
the site's certificate expires (`check --deploy` says so).

A PDF counts as genuine when its one signature was made with the site's certificate, still
matches the bytes it covers, and everything added after it is validation data or document
timestamps. What it says it holds (the version, the signatories' count and time) is read from
the revision the signature covers, never from a later one.
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
from pyhanko.keys import load_certs_from_pemder
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.misc import PdfError
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign import fields, signers
from pyhanko.sign.diff_analysis import (
    DEFAULT_DIFF_POLICY,
    CatalogModificationRule,
    DSSCompareRule,
    MetadataUpdateRule,
    ModificationLevel,
    ObjectStreamRule,
    StandardDiffPolicy,
    XrefStreamRule,
)
from pyhanko.sign.diff_analysis.constants import ROOT_EXEMPT_STRICT_COMPARISON
from pyhanko.sign.fields import SigSeedSubFilter
from pyhanko.sign.general import extract_certificate_info
from pyhanko.sign.timestamps import HTTPTimeStamper, TimestampRequestError
from pyhanko.sign.validation import async_validate_pdf_signature, async_validate_pdf_timestamp
from pyhanko.sign.validation.dss import DocumentSecurityStore
from pyhanko.sign.validation.generic_cms import extract_tst_data_iter
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

# The name of the signature's form field (the document timestamps get fields of their own).
SIGNATURE_FIELD = "Signature"

# What may change after the signature: pyHanko's default policy without its rule for the
# document information dictionary, which lets anyone replace it at the level of long-term
# validation updates. Left: the validation data (DSS), the document timestamps' fields, the
# file's structure, and the XMP metadata stream, which pyHanko rewrites (its modification date)
# with each document timestamp; the catalog must keep pointing to that same stream.
AFTER_SIGNATURE_POLICY = StandardDiffPolicy(
    global_rules=[
        CatalogModificationRule(ignored_keys=ROOT_EXEMPT_STRICT_COMPARISON - {"/Metadata"}),
        XrefStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        ObjectStreamRule().as_qualified(ModificationLevel.LTA_UPDATES),
        DSSCompareRule().as_qualified(ModificationLevel.LTA_UPDATES),
        MetadataUpdateRule().as_qualified(ModificationLevel.LTA_UPDATES),
    ],
    form_rule=DEFAULT_DIFF_POLICY.form_rule,
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


class TimestampUnavailable(Exception):
    """The timestamp authority did not answer (or refused): the PDF is not signed now, and
    its render is tried again later."""


def timestamp_authority() -> HTTPTimeStamper | None:
    """The client of the timestamp authority at `PDF_TIMESTAMP_URL`, or None without one."""
    if not settings.PDF_TIMESTAMP_URL:
        return None
    timestamp_trust_roots()  # an authority nobody can check is a configuration error
    username = settings.PDF_TIMESTAMP_USERNAME
    auth = (username, settings.PDF_TIMESTAMP_PASSWORD) if username else None
    return HTTPTimeStamper(settings.PDF_TIMESTAMP_URL, auth=auth, timeout=20)


@functools.cache
def _load_certificates(path: str) -> tuple:
    return tuple(load_certs_from_pemder([path]))


def timestamp_trust_roots() -> list:
    """The certificates of `PDF_TIMESTAMP_TRUST` (PEM): the timestamp authorities whose
    timestamps this site signs with and trusts when it checks a file."""
    path = settings.PDF_TIMESTAMP_TRUST
    if not path:
        if settings.PDF_TIMESTAMP_URL:
            raise ImproperlyConfigured(
                "Set PDF_TIMESTAMP_TRUST to a PEM file with the root certificate of the "
                "timestamp authority at PDF_TIMESTAMP_URL."
            )
        return []
    try:
        return list(_load_certificates(str(path)))
    except (OSError, ValueError) as error:
        raise ImproperlyConfigured(f"Cannot read PDF_TIMESTAMP_TRUST {path}: {error}") from None


def validation_context(*, fetching: bool) -> ValidationContext:
    """What a signature of the site is checked against: the site's certificate and the
    timestamp authorities' roots. When signing, revocation data of the chains is fetched (to
    embed it); when checking an uploaded file, nothing is: it must carry what it needs."""
    roots = [site_signer().signing_cert, *timestamp_trust_roots()]
    return ValidationContext(trust_roots=roots, allow_fetching=fetching)


def sign_pdf(pdf: bytes, *, reason: str) -> bytes:
    """Sign `pdf` with the site's key as a PAdES baseline signature over the whole file: B-LTA
    with a timestamp authority, else B-B."""
    writer = IncrementalPdfFileWriter(BytesIO(pdf), strict=False)
    tag_signature_field(writer, name=SIGNATURE_FIELD)
    authority = timestamp_authority()
    long_term = authority is not None
    metadata = signers.PdfSignatureMetadata(
        field_name=SIGNATURE_FIELD,
        reason=reason,
        location=settings.SITE_URL,
        subfilter=SigSeedSubFilter.PADES,
        md_algorithm="sha256",
        embed_validation_info=long_term,
        use_pades_lta=long_term,
        validation_context=validation_context(fetching=True) if long_term else None,
    )
    try:
        output = _run(
            signers.async_sign_pdf(writer, metadata, signer=site_signer(), timestamper=authority)
        )
    except TimestampRequestError as error:
        raise TimestampUnavailable(f"The timestamp authority did not answer: {error}") from None
    return output.getvalue()


def tag_signature_field(writer: IncrementalPdfFileWriter, *, name: str) -> None:
    """Add the (invisible) signature field on the last page and put it in the structure tree,
    as PDF/UA asks of every annotation: a /Form structure element at the end of the document
    element, pointing to the widget (/OBJR), the widget's /StructParent, and its entry in the
    ParentTree. It goes into the same incremental update as the signature, which fills it.
    A PDF without a structure tree gets the field only."""
    last_page = int(writer.root["/Pages"]["/Count"]) - 1
    description = f"Digital signature of {settings.SITE_URL}"
    fields.append_signature_field(
        writer,
        fields.SigFieldSpec(
            sig_field_name=name, on_page=last_page, readable_field_name=description
        ),
    )
    if "/StructTreeRoot" not in writer.root:
        return
    widget_ref = next(
        ref for ref in writer.root["/AcroForm"]["/Fields"] if ref.get_object().get("/T") == name
    )
    page_ref = writer.find_page_for_modification(last_page)[0]
    tree = writer.root["/StructTreeRoot"]
    document_ref = tree.raw_get("/K")
    if isinstance(document_ref, generic.ArrayObject):
        document_ref = document_ref[0]
    document = document_ref.get_object()
    parent_tree = tree["/ParentTree"]
    numbers = parent_tree.get("/Nums", generic.ArrayObject())
    key = int(tree.get("/ParentTreeNextKey", 0))
    used = [int(numbers[index]) for index in range(0, len(numbers), 2)]
    used += [int(kid.get_object()["/Limits"][1]) for kid in parent_tree.get("/Kids", [])]
    key = max([key, *(n + 1 for n in used)])
    element_ref = writer.add_object(
        generic.DictionaryObject(
            {
                generic.pdf_name("/Type"): generic.pdf_name("/StructElem"),
                generic.pdf_name("/S"): generic.pdf_name("/Form"),
                generic.pdf_name("/P"): document_ref,
                generic.pdf_name("/Pg"): page_ref,
                generic.pdf_name("/Alt"): generic.pdf_string(description),
                generic.pdf_name("/K"): generic.DictionaryObject(
                    {
                        generic.pdf_name("/Type"): generic.pdf_name("/OBJR"),
                        generic.pdf_name("/Obj"): widget_ref,
                        generic.pdf_name("/Pg"): page_ref,
                    }
                ),
            }
        )
    )
    children = document.get("/K")
    if not isinstance(children, generic.ArrayObject):
        children = generic.ArrayObject([] if children is None else [document.raw_get("/K")])
        document[generic.pdf_name("/K")] = children
    children.append(element_ref)
    writer.update_container(children)
    writer.update_container(document)
    widget = widget_ref.get_object()
    widget[generic.pdf_name("/StructParent")] = generic.NumberObject(key)
    widget[generic.pdf_name("/Contents")] = generic.pdf_string(description)
    writer.update_container(widget)
    if "/Nums" in parent_tree:
        numbers.extend([generic.NumberObject(key), element_ref])
        writer.update_container(numbers)
    else:  # a tree of several nodes: one more leaf
        leaf = generic.DictionaryObject(
            {
                generic.pdf_name("/Nums"): generic.ArrayObject(
                    [generic.NumberObject(key), element_ref]
                ),
                generic.pdf_name("/Limits"): generic.ArrayObject(
                    [generic.NumberObject(key), generic.NumberObject(key)]
                ),
            }
        )
        parent_tree["/Kids"].append(writer.add_object(leaf))
        writer.update_container(parent_tree["/Kids"])
    writer.update_container(parent_tree)
    tree[generic.pdf_name("/ParentTreeNextKey")] = generic.NumberObject(key + 1)
    writer.update_container(tree)


def add_document_timestamp(pdf: bytes) -> bytes:
    """`pdf` with a new document timestamp appended (an incremental update, so the signature
    and the earlier timestamps still verify), after the validation data of its last timestamp:
    the renewal that keeps a B-LTA file verifiable after that timestamp's authority certificate
    expires."""
    authority = timestamp_authority()
    if authority is None:
        raise ImproperlyConfigured("Set PDF_TIMESTAMP_URL to add timestamps to PDFs.")
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    output = _run(
        signers.PdfTimeStamper(authority).async_update_archival_timestamp_chain(
            reader, validation_context(fetching=True), in_place=False
        )
    )
    return output.getvalue()


def last_timestamp_expires(pdf: bytes) -> datetime.datetime | None:
    """When the certificate of the authority of `pdf`'s last timestamp (a document timestamp,
    else the signature's) expires; None when it carries no timestamp."""
    reader = PdfFileReader(BytesIO(pdf), strict=False)
    if reader.embedded_timestamp_signatures:
        certificate = reader.embedded_timestamp_signatures[-1].signer_cert
    else:
        signatures = _regular_signatures(reader)
        if not signatures:
            return None
        tokens = list(extract_tst_data_iter(signatures[-1].signer_info, signed=False))
        if not tokens:
            return None
        certificate = extract_certificate_info(tokens[-1]).signer_cert
    return certificate.not_valid_after


def _regular_signatures(reader: PdfFileReader) -> list:
    """The signatures of `reader` that are not document timestamps, in the order made."""
    return list(reader.embedded_regular_signatures)


def needs_new_timestamp(pdf: bytes, *, within: datetime.timedelta) -> bool:
    """Whether `pdf` should get a document timestamp now: its last timestamp's authority
    certificate expires within `within`. A file signed without a timestamp (before the site
    had an authority) gets none: a timestamp can no longer be added to its signature, so it
    stays B-B."""
    expires = last_timestamp_expires(pdf)
    return expires is not None and expires - datetime.datetime.now(datetime.UTC) <= within


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
    # Signed by this site, but its certificate has expired and no timestamp proves that the
    # signature was made before.
    EXPIRED = "expired"


class Level(enum.StrEnum):
    """The PAdES baseline level of a genuine file (ETSI EN 319 142-1)."""

    B_B = "B-B"  # signed
    B_T = "B-T"  # and timestamped by an authority
    B_LT = "B-LT"  # and carrying the validation data of its signature
    B_LTA = "B-LTA"  # and all of it covered by a document timestamp

    @property
    def is_long_term(self) -> bool:
        """Whether the file stays verifiable after the site's certificate expires."""
        return self in {Level.B_LT, Level.B_LTA}


@dataclass(frozen=True)
class Verification:
    verdict: Verdict
    signed_at: datetime.datetime | None = None
    metadata: dict[str, str] = field(default_factory=dict)
    level: Level | None = None
    # The authority whose timestamp gives `signed_at`; empty when the time is the site's own.
    timestamp_authority: str = ""
    # The file carries a timestamp that could not be confirmed (damaged, or from an authority
    # this site does not trust); it does not count towards the level.
    timestamp_unconfirmed: bool = False
    certificate_expires_at: datetime.datetime | None = None
    # A long-term file: until when its last timestamp's authority vouches for it.
    verifiable_until: datetime.datetime | None = None

    @property
    def is_genuine(self) -> bool:
        return self.verdict is Verdict.GENUINE

    @property
    def snapshot_taken_at(self) -> datetime.datetime | None:
        """When the signatories were counted; None when the file does not say, or says it in a
        form that is not a time."""
        try:
            return datetime.datetime.fromisoformat(self.metadata["snapshot_taken_at"])
        except (KeyError, TypeError, ValueError):
            return None


def verify_pdf(data: bytes) -> Verification:
    """Say whether `data` is a PDF that this site signed and that nobody changed since, and how
    long it stays verifiable.

    Anyone may upload anything, and a small file can make a PDF parser recurse without end or
    build hundreds of MB of objects: the file is read in a child process under
    PDF_VERIFY_MEMORY_MB and PDF_VERIFY_TIMEOUT_SECONDS, and one it cannot read within them is
    unreadable."""
    if data.lstrip()[:5] != b"%PDF-":
        return Verification(Verdict.NOT_A_PDF)
    validation_context(fetching=False)  # a missing key is the site's error, not the file's
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
        signatures = _regular_signatures(reader)
    except Exception:
        # Cut short while downloading, damaged, or made to trip the parser (an object where a
        # dictionary belongs, arrays nested a thousand deep): nothing in it can be checked, not
        # even whether it was ever signed, so saying "altered" would claim more than we know.
        return Verification(Verdict.UNREADABLE)
    if not signatures:
        return Verification(Verdict.UNSIGNED)
    try:
        return _judge(reader, signatures)
    except Exception:
        # A signature or timestamp that no longer parses has been damaged or tampered with.
        logger.info("A signature of an uploaded PDF did not parse", exc_info=True)
        return Verification(Verdict.ALTERED)


def _judge(reader: PdfFileReader, signatures: list) -> Verification:
    """The site's PDFs carry one signature, then only validation data and document
    timestamps: a second signature, or any other change after the first, is an alteration."""
    certificate = site_signer().signing_cert
    ours = [s for s in signatures if s.signer_cert.dump() == certificate.dump()]
    if not ours:
        return Verification(Verdict.SIGNED_BY_SOMEONE_ELSE)
    if len(signatures) > 1:
        return Verification(Verdict.ALTERED)
    signature = signatures[0]
    context = validation_context(fetching=False)
    status = _run(
        async_validate_pdf_signature(signature, context, diff_policy=AFTER_SIGNATURE_POLICY)
    )
    if not (status.intact and status.valid) or not _only_validation_data_after(status):
        return Verification(Verdict.ALTERED)
    signed = reader.get_historical_resolver(signature.signed_revision)
    if not _same_information_after(reader, signed):
        return Verification(Verdict.ALTERED)
    timestamp = status.timestamp_validity
    timestamped = timestamp is not None and timestamp.intact and timestamp.valid
    timestamped = timestamped and timestamp.trusted
    if not status.trusted and timestamped and _expired(certificate):
        # Past its certificate's life, the signature is checked at the time the authority
        # vouches for, with the validation data the file carries.
        at_that_time = ValidationContext(
            trust_roots=[certificate, *timestamp_trust_roots()],
            allow_fetching=False,
            moment=timestamp.timestamp,
        )
        status = _run(
            async_validate_pdf_signature(
                signature, at_that_time, diff_policy=AFTER_SIGNATURE_POLICY
            )
        )
    # The site's own certificate is a trust root, whose expiry path validation does not check.
    vouched = timestamped and timestamp.timestamp <= certificate.not_valid_after
    if _expired(certificate) and not vouched:
        return Verification(Verdict.EXPIRED, certificate_expires_at=certificate.not_valid_after)
    if not status.trusted:
        return Verification(Verdict.ALTERED)
    document_timestamps = [
        _run(async_validate_pdf_timestamp(stamp, validation_context=context))
        for stamp in reader.embedded_timestamp_signatures
        if stamp.signed_revision > signature.signed_revision
    ]
    stamps_confirmed = all(s.intact and s.valid and s.trusted for s in document_timestamps)
    level = Level.B_B
    if timestamped:
        level = Level.B_T
        if _carries_validation_data(reader, certificate):
            level = Level.B_LT
            if document_timestamps and stamps_confirmed:
                level = Level.B_LTA
    until = None
    if level is Level.B_LTA:
        until = document_timestamps[-1].signing_cert.not_valid_after
    elif level is Level.B_LT:
        until = timestamp.signing_cert.not_valid_after
    return Verification(
        Verdict.GENUINE,
        signed_at=timestamp.timestamp if timestamped else status.signer_reported_dt,
        metadata=_metadata_of(signed),
        level=level,
        timestamp_authority=_name_of(timestamp.signing_cert) if timestamped else "",
        timestamp_unconfirmed=(timestamp is not None and not timestamped) or not stamps_confirmed,
        certificate_expires_at=certificate.not_valid_after,
        verifiable_until=until,
    )


def _only_validation_data_after(status) -> bool:
    """The signature covers the whole file, or what was added after it is validation data
    and document timestamps only (`AFTER_SIGNATURE_POLICY`)."""
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    return (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level is not None
        and status.modification_level <= ModificationLevel.LTA_UPDATES
        and status.docmdp_ok
    )


def _name_of(certificate) -> str:
    subject = certificate.subject
    return subject.native.get("common_name") or subject.human_friendly


def _expired(certificate) -> bool:
    return certificate.not_valid_after < datetime.datetime.now(datetime.UTC)


def _carries_validation_data(reader: PdfFileReader, certificate) -> bool:
    """Whether the file's document security store holds the signing certificate (and, for a
    chain that has any, its revocation data: pyHanko writes both together)."""
    try:
        store = DocumentSecurityStore.read_dss(reader)
    except (KeyError, ValueError, TypeError, PdfError):
        return False
    return certificate.issuer_serial in store.certs


def _same_information_after(reader: PdfFileReader, signed) -> bool:
    """Whether every revision after the signed one keeps the signed revision's document
    information dictionary: the same /Info entry in its trailer. (Its object cannot be
    rewritten: `AFTER_SIGNATURE_POLICY` allows no change to it.)"""
    before = signed.trailer_view.raw_get("/Info") if "/Info" in signed.trailer_view else None
    for revision in range(signed.revision + 1, reader.xrefs.total_revisions):
        trailer = reader.get_historical_resolver(revision).trailer_view
        if (trailer.raw_get("/Info") if "/Info" in trailer else None) != before:
            return False
    return True


def _metadata_of(signed) -> dict[str, str]:
    """What the document information dictionary of the signed revision (`signed`, a
    historical resolver) says the file holds: text values only."""
    info = signed.trailer_view.get("/Info")
    if info is None:
        return {}
    info = info.get_object()
    if not isinstance(info, generic.DictionaryObject):
        return {}
    keys = {name.replace("-", "_"): "/" + name.replace("-", "") for name in METADATA_NAMES}
    values = {name: info.get(key) for name, key in keys.items()}
    return {name: str(value) for name, value in values.items() if isinstance(value, str)}


def self_signed_certificate(
    *,
    key: rsa.RSAPrivateKey,
    common_name: str,
    valid_for: datetime.timedelta,
    extended_key_usage: x509.ObjectIdentifier | None = None,
) -> x509.Certificate:
    """A certificate of `key` signed by itself, for signing documents (the digital signature
    and non-repudiation key usages, which validators ask of a document signature) or, with
    `extended_key_usage`, for that one purpose only (RFC 3161's time stamping, critical)."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.datetime.now(datetime.UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + valid_for)
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
    )
    if extended_key_usage is not None:
        builder = builder.add_extension(x509.ExtendedKeyUsage([extended_key_usage]), critical=True)
    return builder.sign(key, hashes.SHA256())


def create_self_signed_key(
    *,
    path: Path,
    passphrase: str,
    common_name: str,
    valid_for: datetime.timedelta = datetime.timedelta(days=3 * 365),
) -> x509.Certificate:
    """Write a new RSA key and a self-signed certificate for signing PDFs to `path` (PKCS#12).

    The certificate carries the digital signature and non-repudiation key usages: validators
    refuse a document signature whose certificate lacks non-repudiation.
    """
    key = rsa.generate_private_key(public_exponent=65537, key_size=3072)
    certificate = self_signed_certificate(key=key, common_name=common_name, valid_for=valid_for)
    encryption = BestAvailableEncryption(passphrase.encode()) if passphrase else NoEncryption()
    blob = pkcs12.serialize_key_and_certificates(
        common_name.encode(), key, certificate, None, encryption
    )
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600, exist_ok=False)  # readable by its owner only, from the start
    path.write_bytes(blob)
    return certificate
