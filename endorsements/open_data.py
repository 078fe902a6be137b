"""The open data files: the public fields of every approved endorser, as CSV, as CSV for Excel
(the same with a UTF-8 byte order mark, so that Excel reads Arabic and Chinese names) and as
JSON.

They are built once each time the public list changes, not for each download: the services
that approve, reconfirm or withdraw call `services.open_data_changed()`, which queues
`tasks.build_open_data` for the task worker once the change commits. The build reads the
endorsers in two queries, writes the three files and keeps them in the default storage (like
the declaration's PDFs) with an `OpenDataFile` row each. A download reads that row and streams
the file (`views.open_data_file`): until a fresh build is stored, readers get the previous one.
Only when no file was ever built does a download build them, once: the others wait for it with
a 503 and Retry-After.

Only public fields are written, never a contact's name, role or email, nor how a Moderator
verified an endorser (the trust level is written, as its code: "self-declared",
"domain-confirmed" or "verified").
"""

import csv
import hashlib
import io
import json
import logging
import tempfile
from collections import defaultdict
from contextlib import ExitStack

from django.conf import settings
from django.core.cache import cache
from django.core.files import File
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.cache import get_conditional_response
from django.utils.http import http_date

from declaration_site.countries import EndorsementCountries
from declaration_site.http_caching import shared_with_everyone
from declaration_site.spreadsheets import neutralise
from declaration_site.stored_files import send_stored_file

from .models import Endorsement, OpenDataFile

logger = logging.getLogger(__name__)

# The files of the endorsers themselves; the hourly series has kinds of its own.
ENDORSER_KINDS = [OpenDataFile.Kind.CSV, OpenDataFile.Kind.EXCEL_CSV, OpenDataFile.Kind.JSON]
FIELDS = [
    "organisation_name",
    "organisation_type",
    "country_code",
    "country",
    "region",
    "website",
    "statement",
    "approved_at",
    "version_endorsed",
    "version_reconfirmed",
    "latest_version",
    "commitments",
    "commitments_version",
    # Last, so that readers who take the columns by position keep working.
    "trust_level",
]
UTF8_BOM = "\ufeff".encode()
# How many builds of each kind are kept: the newest, and the one before it for downloads
# that started before it replaced that one.
KEEP_BUILDS = 2
# The lock of a download that builds the files because none exist yet; the others wait.
FIRST_BUILD_LOCK = "open-data:first-build"
FIRST_BUILD_LOCK_SECONDS = 120


class OpenDataNotReady(Exception):
    """No open data file exists yet and another request is building them."""


def commitments_of_public_endorsers() -> dict[int, list[dict]]:
    """For each approved endorser, the action lines it commits to, in the order of the text,
    each cited as on the site: its number ("2.3"), its version and its permanent address."""
    Chosen = Endorsement.action_lines.through
    chosen = (
        Chosen.objects.filter(endorsement__in=Endorsement.objects.public())
        .order_by(
            "endorsement_id",
            "actionline__principle__version__number",
            "actionline__principle__position",
            "actionline__position",
        )
        .values_list(
            "endorsement_id",
            "actionline__principle__version__number",
            "actionline__principle__position",
            "actionline__position",
        )
    )
    site = settings.SITE_URL.rstrip("/")
    commitments = defaultdict(list)
    for endorsement_id, version, principle, line in chosen.iterator(chunk_size=5000):
        version_url = reverse("principles:version", args=[version])
        commitments[endorsement_id].append(
            {
                "action_line": f"{principle}.{line}",
                "version": version,
                "url": f"{site}{version_url}#principle-{principle}-action-{line}",
            }
        )
    return commitments


def public_rows():
    """The public fields of every approved endorser, oldest first, country names in English."""
    with translation.override(settings.LANGUAGE_CODE):
        country_names = {country.code: str(country.name) for country in EndorsementCountries()}
        commitments = commitments_of_public_endorsers()
        endorsers = (
            Endorsement.objects.public()
            .order_by("approved_at", "pk")
            .values_list(
                "pk",
                "organisation_name",
                "organisation_type",
                "country",
                "region",
                "website",
                "website_is_public",
                "statement",
                "approved_at",
                "trust_level",
                "version__number",
                "reconfirmed_version__number",
            )
        )
        for (
            pk,
            name,
            kind,
            country,
            region,
            website,
            website_is_public,
            statement,
            approved_at,
            trust_level,
            *versions,
        ) in endorsers.iterator(chunk_size=2000):
            lines = commitments.get(pk, [])
            yield {
                "organisation_name": name,
                "organisation_type": kind,
                "country_code": country,
                "country": country_names.get(country, country),
                "region": region,
                "website": website if website_is_public else "",
                "statement": statement,
                "approved_at": approved_at.isoformat(),
                "version_endorsed": versions[0],
                "version_reconfirmed": versions[1],
                "latest_version": versions[1] or versions[0],
                "commitments": lines,
                "trust_level": trust_level,
            }


def csv_cells(row: dict) -> list[str]:
    """A row as CSV cells: the commitments as "1.1; 2.3" with the version they belong to in
    the next column, every cell neutralised."""
    lines = row["commitments"]
    flat = {
        **row,
        "commitments": "; ".join(line["action_line"] for line in lines),
        "commitments_version": "; ".join(
            str(number) for number in dict.fromkeys(line["version"] for line in lines)
        ),
    }
    return [neutralise(flat[name]) for name in FIELDS]


class Output:
    """One file being written: in a temporary file, hashed as it goes."""

    def __init__(self, kind: str, file):
        self.kind = kind
        self.file = file
        self.digest = hashlib.sha256()
        self.size = 0

    def write(self, data: bytes) -> None:
        self.file.write(data)
        self.digest.update(data)
        self.size += len(data)


def write_files(rows, *, files: ExitStack) -> tuple[list[Output], int]:
    """Write `rows` as CSV, CSV for Excel and JSON to temporary files that `files` closes;
    returns the outputs and the row count."""
    outputs = {
        kind: Output(kind, files.enter_context(tempfile.SpooledTemporaryFile(1024 * 1024)))  # noqa: SIM115
        for kind in ENDORSER_KINDS
    }
    outputs[OpenDataFile.Kind.EXCEL_CSV].write(UTF8_BOM)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(FIELDS)
    outputs[OpenDataFile.Kind.JSON].write(b'{"endorsers": [')
    count = 0
    for count, row in enumerate(rows, start=1):
        writer.writerow(csv_cells(row))
        if count > 1:
            outputs[OpenDataFile.Kind.JSON].write(b", ")
        json_row = {name: row[name] for name in FIELDS if name != "commitments_version"}
        outputs[OpenDataFile.Kind.JSON].write(json.dumps(json_row, ensure_ascii=False).encode())
        if count % 1000 == 0:
            _flush_csv(buffer, outputs)
    _flush_csv(buffer, outputs)
    outputs[OpenDataFile.Kind.JSON].write(b"]}")
    return list(outputs.values()), count


def _flush_csv(buffer: io.StringIO, outputs: dict) -> None:
    data = buffer.getvalue().encode()
    buffer.seek(0)
    buffer.truncate()
    outputs[OpenDataFile.Kind.CSV].write(data)
    outputs[OpenDataFile.Kind.EXCEL_CSV].write(data)


def build_open_data() -> list[OpenDataFile]:
    """Read every approved endorser and store the three files, unless the stored ones already
    hold exactly this (then they are served again: see `store`)."""
    taken_at = timezone.now()
    with ExitStack() as files:
        outputs, count = write_files(public_rows(), files=files)
        stored = [store(output, row_count=count, taken_at=taken_at) for output in outputs]
    logger.info("Built the open data files: %d endorsers", count)
    return stored


def store(output: Output, *, row_count: int, taken_at) -> OpenDataFile:
    """Keep `output` as the newest file of its kind, and prune the older ones. Two builds may
    finish in either order: the one that read the endorsers later wins (`taken_at`)."""
    content_hash = output.digest.hexdigest()
    same = OpenDataFile.objects.filter(kind=output.kind, content_hash=content_hash)
    found = same.first()
    if found and found.file.storage.exists(found.file.name):
        same.filter(taken_at__lt=taken_at).update(taken_at=taken_at)
        return found
    if found:  # its file was lost (a storage restored from an older backup): store it again
        found.delete()
    open_data = OpenDataFile(
        kind=output.kind,
        content_hash=content_hash,
        size=output.size,
        row_count=row_count,
        taken_at=taken_at,
    )
    output.file.seek(0)
    open_data.file.save("endorsers", File(output.file), save=False)
    try:
        with transaction.atomic():
            open_data.save()
    except IntegrityError:  # another build stored the same content meanwhile
        open_data.file.delete(save=False)
        return same.get()
    prune(output.kind)
    return open_data


def prune(kind: str) -> None:
    """Delete all but the newest KEEP_BUILDS files of `kind`."""
    newest = OpenDataFile.objects.filter(kind=kind).newest_first()
    for old in newest[KEEP_BUILDS:]:
        old.delete()
        old.file.delete(save=False)


def file_to_serve(kind: str) -> OpenDataFile:
    """The newest stored file of `kind`: one query. When none was ever built, this request
    builds them, unless another one is doing so already (then OpenDataNotReady)."""
    newest = OpenDataFile.objects.filter(kind=kind).newest_first()
    if found := newest.first():
        return found
    if not cache.add(FIRST_BUILD_LOCK, True, FIRST_BUILD_LOCK_SECONDS):
        raise OpenDataNotReady
    try:
        return {built.kind: built for built in build_open_data()}[kind]
    finally:
        cache.delete(FIRST_BUILD_LOCK)


# Each kind's type, the name a download saves it under, and whether browsers should save it
# (a spreadsheet) rather than show it (JSON).
OPEN_DATA_TYPES = {
    OpenDataFile.Kind.CSV: ("text/csv; charset=utf-8", "endorsers.csv", True),
    OpenDataFile.Kind.EXCEL_CSV: ("text/csv; charset=utf-8", "endorsers-excel.csv", True),
    OpenDataFile.Kind.JSON: ("application/json", "endorsers.json", False),
    OpenDataFile.Kind.HOURLY_CSV: ("text/csv; charset=utf-8", "endorsers-hourly.csv", True),
    OpenDataFile.Kind.HOURLY_JSON: ("application/json", "endorsers-hourly.json", False),
}
# Open data readers may be a minute behind a change; a fresh build replaces the file anyway.
OPEN_DATA_MAX_AGE = 60


def stored_file_response(request, stored: OpenDataFile):
    """The response for a stored open data file: the file, or a 304 to a reader who has it."""
    etag, last_modified = f'"{stored.content_hash}"', int(stored.taken_at.timestamp())
    response = get_conditional_response(request, etag=etag, last_modified=last_modified)
    if response is None:
        content_type, filename, as_attachment = OPEN_DATA_TYPES[stored.kind]
        response = send_stored_file(
            stored.file.storage,
            stored.file.name,
            content_type=content_type,
            as_attachment=as_attachment,
            filename=filename,
        )
    response["ETag"] = etag
    response["Last-Modified"] = http_date(last_modified)
    response["Cache-Control"] = f"public, max-age={OPEN_DATA_MAX_AGE}"
    response["Access-Control-Allow-Origin"] = "*"
    return shared_with_everyone(response)
