"""The restore drill: a seeded site is backed up with `manage.py backup_site`, restored with
`manage.py restore_site` into a new database and a new media folder, and the restored site,
served by gunicorn, answers as the original did.

The original runs on a database of its own (a SQLite file, or on PostgreSQL a database named
after DATABASE_URL's with `_backed_up`), the restored one on another (`_restored`); both are
dropped afterwards. CI runs this on SQLite and on PostgreSQL.
"""

import subprocess
import urllib.request
from pathlib import Path

import pytest

from bench.site_processes import (
    PYTHON,
    ROOT,
    free_port,
    manage,
    site_environment,
    start_gunicorn,
    stop,
)
from principles.pdf.signing import verify_pdf
from tests.conftest import PASSPHRASE
from tests.test_scale_out import database_of_its_own

pytestmark = pytest.mark.xdist_group("backups")

# Run by `manage.py shell` with the immediate task backend, so that the open data files are
# built and the PDF rendered with the endorsers before the backup, as a worker would have.
SEED = """
from django.core.management import call_command
from endorsements.open_data import build_open_data

call_command("migrate", "--noinput", verbosity=0)
call_command("load_declaration", verbosity=0)
call_command("seed_demo_data", "--force", "--endorsers", "12", verbosity=0)
build_open_data()
call_command("render_pdfs", verbosity=0)
"""

PUBLIC_ADDRESSES = [
    "/",
    "/endorsers/",
    "/endorsers/count.json",
    "/endorsers.csv",
    "/endorsers-excel.csv",
    "/endorsers.json",
    "/declaration.pdf",
]


def environment(folder: Path, *, database_url: str, signing_key: Path) -> dict:
    return site_environment(
        folder=folder,
        database_url=database_url,
        cache_url="locmem://",
        PDF_SIGNING_PKCS12=str(signing_key),
        PDF_SIGNING_PASSPHRASE=PASSPHRASE,
    )


def answers(port: int) -> dict[str, tuple[int, bytes]]:
    """The status and body of each public address, from the site on `port`, with that address
    (in canonical links) written as `SITE`."""
    seen = {}
    for address in PUBLIC_ADDRESSES:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}{address}", timeout=60) as response:
            body = response.read().replace(f"127.0.0.1:{port}".encode(), b"SITE")
            seen[address] = (response.status, body)
    return seen


def restore_site(archive: Path, *, env: dict, replace: bool = False):
    return subprocess.run(
        [PYTHON, "manage.py", "restore_site", str(archive), *(["--replace"] if replace else [])],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )


@pytest.fixture(scope="module")
def drill(signing_key, tmp_path_factory):
    """A seeded site and its restored copy, both served by gunicorn, and the archive."""
    folders = {name: tmp_path_factory.mktemp(name) for name in ("original", "restored")}
    with (
        database_of_its_own("backed_up", folder=folders["original"]) as original_url,
        database_of_its_own("restored", folder=folders["restored"]) as restored_url,
    ):
        original = environment(
            folders["original"], database_url=original_url, signing_key=signing_key
        )
        restored = environment(
            folders["restored"], database_url=restored_url, signing_key=signing_key
        )
        immediately = "django_tasks.backends.immediate.ImmediateBackend"
        manage("shell", "-v0", "--command", SEED, env={**original, "TASKS_BACKEND": immediately})
        manage("collectstatic", "--noinput", "-v0", env=original)
        backups = folders["original"] / "backups"
        manage("backup_site", str(backups), env=original)
        (archive,) = backups.glob("declaration-backup-*.tar")
        result = restore_site(archive, env=restored)
        assert result.returncode == 0, result.stderr
        manage("collectstatic", "--noinput", "-v0", env=restored)
        ports = {"original": free_port(), "restored": free_port()}
        servers = [
            start_gunicorn(port=ports["original"], workers=1, env=original),
            start_gunicorn(port=ports["restored"], workers=1, env=restored),
        ]
        try:
            yield {
                "archive": archive,
                "original": original,
                "restored": restored,
                "ports": ports,
                "media": Path(restored["MEDIA_ROOT"]),
            }
        finally:
            stop(*servers)


def test_the_restored_site_serves_the_same_pages_counts_open_data_and_pdf(drill):
    original, restored = answers(drill["ports"]["original"]), answers(drill["ports"]["restored"])
    assert b'"endorsers": 12' in original["/endorsers/count.json"][1]
    assert original["/endorsers.csv"][1].count(b"\n") == 13  # the header and 12 endorsers
    for address in PUBLIC_ADDRESSES:
        assert restored[address] == original[address], address


def test_the_restored_sites_stored_pdfs_still_verify(drill, settings, signing_key):
    settings.PDF_SIGNING_PKCS12 = str(signing_key)
    settings.PDF_SIGNING_PASSPHRASE = PASSPHRASE
    pdfs = sorted(drill["media"].rglob("*.pdf"))
    assert len(pdfs) >= 6  # the declaration in English and 5 translations, with its endorsers
    for pdf in pdfs:
        assert verify_pdf(pdf.read_bytes()).is_genuine, pdf


def test_the_archive_lists_every_file_with_its_checksum_time_and_release(drill):
    import json
    import tarfile

    with tarfile.open(drill["archive"]) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))
        members = {name for name in tar.getnames() if name != "manifest.json"}
    assert set(manifest["files"]) == members
    assert any(name.startswith("media/") and name.endswith(".pdf") for name in members)
    assert manifest["taken_at"]
    assert manifest["release"]["static_manifest_hash"]
    assert manifest["release"]["migrations"]["endorsements"]


def test_a_restore_into_a_database_that_is_not_empty_is_refused_unless_told(drill):
    refused = restore_site(drill["archive"], env=drill["restored"])
    assert refused.returncode != 0
    assert "The database is not empty" in refused.stderr


def test_an_archive_that_was_altered_is_not_restored(drill, tmp_path):
    altered = tmp_path / drill["archive"].name
    data = bytearray(drill["archive"].read_bytes())
    pdf_at = data.index(b"%PDF-", 2048)
    data[pdf_at + 200] ^= 0xFF
    altered.write_bytes(bytes(data))
    refused = restore_site(altered, env=drill["restored"], replace=True)
    assert refused.returncode != 0
    assert "does not match its checksum" in refused.stderr
