"""The restore drill: a seeded site is backed up with `manage.py backup_site`, restored with
`manage.py restore_site` into a new database and a new media folder, and the restored site,
served by gunicorn, answers as the original did.

The original runs on a database of its own (a SQLite file, or on PostgreSQL a database named
after DATABASE_URL's with `_backed_up`), the restored one on another (`_restored`); both are
dropped afterwards. CI runs this on SQLite and on PostgreSQL.
"""

import hashlib
import io
import json
import os
import stat
import subprocess
import tarfile
import tempfile
import urllib.request
from pathlib import Path

import pytest
from django.db import connection

from bench.site_processes import (
    PYTHON,
    ROOT,
    free_port,
    manage,
    site_environment,
    start_gunicorn,
    stop,
)
from declaration_site.backups import BackupError, restore
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


def test_archives_are_readable_by_their_owner_only_whatever_the_umask(drill, tmp_path):
    folder = tmp_path / "private-backups"
    previous = os.umask(0o022)
    try:
        manage("backup_site", str(folder), env=drill["original"])
    finally:
        os.umask(previous)
    (archive,) = folder.glob("declaration-backup-*.tar")
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    assert stat.S_IMODE(archive.stat().st_mode) == 0o600


# Crafted archives: each is refused whole, before anything is written outside the scratch
# folder (and before the database or the media folder is touched).


def add_member(tar, name: str, *, kind=tarfile.REGTYPE, link: str = "", content: bytes = b""):
    info = tarfile.TarInfo(name)
    info.type, info.linkname = kind, link
    info.mode = 0o777 if kind == tarfile.DIRTYPE else 0o644
    info.size = len(content) if kind == tarfile.REGTYPE else 0
    tar.addfile(info, io.BytesIO(content) if kind == tarfile.REGTYPE else None)


def database_member() -> str:
    """The name of the database's file in an archive of the database the tests run on."""
    return "database.dump" if connection.vendor == "postgresql" else "database.sqlite3"


def crafted(path: Path, members, *, listed: dict | None = None) -> Path:
    """An archive with a manifest listing `listed` (name: content) followed by `members`."""
    files = {
        name: {"bytes": len(content), "sha256": hashlib.sha256(content).hexdigest()}
        for name, content in (listed or {}).items()
    }
    manifest = {"database": {"engine": connection.vendor}, "files": files, "taken_at": "x"}
    with tarfile.open(path, "w", format=tarfile.PAX_FORMAT) as tar:
        add_member(tar, "manifest.json", content=json.dumps(manifest).encode())
        for name, kwargs in members:
            add_member(tar, name, **kwargs)
    return path


def symlink_chain_archive(path: Path) -> Path:
    """The proof of concept of CVE-2025-4517 (tarfile's "data" filter, Python < 3.11.13): a
    chain of symlinks longer than PATH_MAX that resolves outside the target, then a file
    written through it."""
    steps = "abcdefghijklmnop"
    guess = os.path.join(tempfile.gettempdir(), "declaration-restore-XXXXXXXX")
    length = (os.pathconf(tempfile.gettempdir(), "PC_PATH_MAX") - len(guess) - 1) // 17
    component, members, at = "d" * length, [], ""
    for step in steps:
        members.append((os.path.join(at, component), {"kind": tarfile.DIRTYPE}))
        members.append((os.path.join(at, step), {"kind": tarfile.SYMTYPE, "link": component}))
        at = os.path.join(at, component)
    link_path = os.path.join(*steps, "l" * 254)
    members.append((link_path, {"kind": tarfile.SYMTYPE, "link": os.path.join(*[".."] * 16)}))
    members.append(("escape", {"kind": tarfile.SYMTYPE, "link": os.path.join(link_path, "..")}))
    members.append((f"escape/{ESCAPED}", {"content": b"written by a crafted archive\n"}))
    return crafted(path, members, listed={database_member(): b"0"})


ESCAPED = "written_outside_the_restore_target"


@pytest.fixture
def scratch(tmp_path, monkeypatch):
    """restore's scratch folders in a folder of this test, deep enough that an escape lands
    in tmp_path, where the test looks."""
    folder = tmp_path / "a" / "b" / "tmp"
    folder.mkdir(parents=True)
    monkeypatch.setattr(tempfile, "tempdir", str(folder))
    return folder


def written_outside(tmp_path: Path, media: Path) -> list[Path]:
    found = [path for path in tmp_path.rglob("*") if path.is_file() and ESCAPED in path.name]
    found += [path for path in tmp_path.rglob("escape*") if path.is_file()]
    found += [path for path in media.rglob("*") if path.is_file()]
    return found + [Path("/tmp", ESCAPED)] * Path("/tmp", ESCAPED).exists()


@pytest.mark.parametrize(
    "kind",
    ["symlink chain (CVE-2025-4517)", "../ member", "symlink member", "absolute path", "unlisted"],
)
def test_a_crafted_archive_is_refused_whole_and_writes_nothing_outside(
    kind, tmp_path, scratch, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    archive = tmp_path / "crafted.tar"
    pdf = {"media/pdfs/a.pdf": b"%PDF-1.7"}
    if kind.startswith("symlink chain"):
        symlink_chain_archive(archive)
    elif kind == "../ member":
        crafted(archive, [(f"../{ESCAPED}", {"content": b"x"})], listed={f"../{ESCAPED}": b"x"})
    elif kind == "symlink member":
        members = [("media/pdfs", {"kind": tarfile.SYMTYPE, "link": str(tmp_path)})]
        members.append(("media/pdfs/a.pdf", {"content": b"%PDF-1.7"}))
        crafted(archive, members, listed=pdf)
    elif kind == "absolute path":
        escape = str(tmp_path / ESCAPED)
        crafted(archive, [(escape, {"content": b"x"})], listed={escape: b"x"})
    else:
        members = [(name, {"content": content}) for name, content in pdf.items()]
        members.append(("media/extra.pdf", {"content": b"%PDF-1.7"}))
        crafted(archive, members, listed=pdf)

    with pytest.raises(BackupError, match="not restored"):
        restore(archive=archive, replace=True)

    assert written_outside(tmp_path, tmp_path / "media") == []
    assert list(scratch.iterdir()) == []


def test_a_member_that_does_not_match_is_removed_and_the_rest_not_restored(
    tmp_path, scratch, settings
):
    settings.MEDIA_ROOT = str(tmp_path / "media")
    listed = {database_member(): b"SQLite", "media/pdfs/a.pdf": b"%PDF-1.7"}
    members = [(database_member(), {"content": b"SQLite"})]
    members.append(("media/pdfs/a.pdf", {"content": b"%PDF-1.6"}))

    with pytest.raises(BackupError, match=r"media/pdfs/a\.pdf in .* does not match its checksum"):
        restore(archive=crafted(tmp_path / "altered.tar", members, listed=listed), replace=True)

    assert list(scratch.iterdir()) == []
    assert not (tmp_path / "media").exists()
