"""Back up the site into one archive, and restore it into a fresh database and media folder.

An archive (`declaration-backup-<UTC time>.tar`) holds:

- `manifest.json`: when it was taken, the release (the hash of collectstatic's manifest and the
  last migration of each app), the database engine and, for PostgreSQL, the server's and
  pg_dump's versions, and the size and SHA-256 of every other member;
- `database.dump` (PostgreSQL: `pg_dump --format=custom`, restored with `pg_restore`) or
  `database.sqlite3` (SQLite: a consistent copy through SQLite's backup API);
- `media/…`: everything under MEDIA_ROOT (stored PDFs, open data files, logos).

Archives hold the database and personal data: the folder is made 0700 and each archive 0600,
whatever the umask. Restoring never extracts the archive as tar would: it accepts only regular
files with the names above that the manifest lists, streams each into a scratch folder while
checking its SHA-256, and refuses the whole archive at the first member that is anything else
(a link, a folder, a device, a name leading out) or does not match, before it touches the
database or the media folder. It refuses a database that has tables or a media folder that has
files unless told to replace them (`replace=True`).
"""

import datetime
import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from django.conf import settings
from django.db import connection
from django.db.migrations.recorder import MigrationRecorder

from declaration_site.public_cache import release

ARCHIVE_PATTERN = "declaration-backup-*.tar"
MANIFEST = "manifest.json"
POSTGRES_DUMP = "database.dump"
SQLITE_COPY = "database.sqlite3"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or a restore that cannot go on; the message says why, for the operator."""


@dataclass(frozen=True)
class Restored:
    manifest: dict
    media_files: int


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as file:
        while chunk := file.read(CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def is_postgres() -> bool:
    return connection.vendor == "postgresql"


def postgres_environment() -> dict:
    """libpq's variables for the default database, so that no password is on a command line."""
    database = settings.DATABASES["default"]
    values = {
        "PGDATABASE": database["NAME"],
        "PGUSER": database.get("USER") or "",
        "PGPASSWORD": database.get("PASSWORD") or "",
        "PGHOST": database.get("HOST") or "",
        "PGPORT": str(database.get("PORT") or ""),
    }
    return {**os.environ, **{name: value for name, value in values.items() if value}}


def client_major_version(program: str) -> int:
    """The major version of PostgreSQL's `program` (pg_dump, pg_restore) on the PATH."""
    try:
        output = subprocess.run(
            [program, "--version"], capture_output=True, text=True, check=True
        ).stdout
    except (OSError, subprocess.CalledProcessError) as error:
        raise BackupError(
            f"{program} is needed for PostgreSQL (Debian: postgresql-client): {error}"
        ) from error
    return int(re.search(r"\(PostgreSQL\)\s+(\d+)", output).group(1))


def server_major_version() -> int:
    connection.ensure_connection()
    return connection.pg_version // 10000


def check_client_versions(program: str) -> dict:
    """pg_dump must be at least as new as the server it dumps, and pg_restore at least as new
    as the pg_dump that wrote the archive; say which versions would not do."""
    server, client = server_major_version(), client_major_version(program)
    if client < server:
        raise BackupError(
            f"{program} {client} cannot work with PostgreSQL {server}: install "
            f"postgresql-client-{server} (or newer) and put it first on the PATH."
        )
    return {"server": server, program: client}


def latest_migrations() -> dict[str, str]:
    applied = MigrationRecorder(connection).applied_migrations()
    latest = {}
    for app, name in sorted(applied):
        latest[app] = max(latest.get(app, name), name)
    return latest


def back_up(*, folder: Path, keep: int | None = None) -> Path:
    """Write an archive of the database and MEDIA_ROOT into `folder` and return its path;
    with `keep`, then delete all but the newest `keep` archives in `folder`."""
    folder.mkdir(mode=0o700, parents=True, exist_ok=True)
    taken_at = datetime.datetime.now(datetime.UTC).replace(microsecond=0)
    archive = folder / f"declaration-backup-{taken_at:%Y%m%dT%H%M%SZ}.tar"
    partial = archive.with_suffix(".tar.partial")
    manifest = {
        "format": 1,
        "taken_at": taken_at.isoformat(),
        "release": {"static_manifest_hash": release(), "migrations": latest_migrations()},
        "database": {"engine": connection.vendor},
        "files": {},
    }
    with tempfile.TemporaryDirectory(prefix="declaration-backup-") as scratch:
        dump = Path(scratch) / (POSTGRES_DUMP if is_postgres() else SQLITE_COPY)
        if is_postgres():
            manifest["database"]["versions"] = check_client_versions("pg_dump")
            run(["pg_dump", "--format=custom", "--no-owner", "--file", str(dump)])
        else:
            copy_sqlite(source=Path(settings.DATABASES["default"]["NAME"]), target=dump)
        members = [(dump, dump.name)]
        media = Path(settings.MEDIA_ROOT)
        if media.is_dir():
            members += [
                (path, f"media/{path.relative_to(media).as_posix()}")
                for path in sorted(media.rglob("*"))
                if path.is_file()
            ]
        for path, name in members:
            manifest["files"][name] = {"bytes": path.stat().st_size, "sha256": sha256(path)}
        manifest_path = Path(scratch) / MANIFEST
        manifest_path.write_text(json.dumps(manifest, indent=2, ensure_ascii=False))
        # Readable by the backup's user only, whatever the umask (os.open's mode is masked).
        descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        os.fchmod(descriptor, 0o600)
        with os.fdopen(descriptor, "wb") as file, tarfile.open(fileobj=file, mode="w") as tar:
            tar.add(manifest_path, arcname=MANIFEST)
            for path, name in members:
                tar.add(path, arcname=name)
    partial.rename(archive)
    if keep is not None:
        prune(folder=folder, keep=keep)
    return archive


def prune(*, folder: Path, keep: int) -> list[Path]:
    """Delete all but the newest `keep` archives in `folder` (names sort by time)."""
    archives = sorted(folder.glob(ARCHIVE_PATTERN))
    old = archives[: max(0, len(archives) - keep)]
    for path in old:
        path.unlink()
    return old


def copy_sqlite(*, source: Path, target: Path) -> None:
    """A consistent copy of a SQLite database that other processes may be writing to."""
    with sqlite3.connect(source) as origin, sqlite3.connect(target) as copy:
        origin.backup(copy)
    origin.close()
    copy.close()


def run(command: list[str]) -> None:
    result = subprocess.run(command, env=postgres_environment(), capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{command[0]} failed: {result.stderr.strip()}")


def read_manifest(archive: Path) -> dict:
    try:
        with tarfile.open(archive) as tar:
            return json.load(tar.extractfile(MANIFEST))
    except (OSError, KeyError, tarfile.TarError, json.JSONDecodeError) as error:
        raise BackupError(f"{archive} is not a backup of this site: {error}") from error


def restore(*, archive: Path, replace: bool = False) -> Restored:
    """Restore `archive` into the database of DATABASES["default"] and into MEDIA_ROOT.

    Both must be empty (a database without tables, a media folder without files) unless
    `replace`: then the database's tables and the media folder's files are replaced."""
    manifest = read_manifest(archive)
    check_members(archive, manifest)
    engine = manifest["database"]["engine"]
    if engine != connection.vendor:
        raise BackupError(
            f"The archive holds a {engine} database; DATABASE_URL names a {connection.vendor} one."
        )
    media = Path(settings.MEDIA_ROOT)
    if not replace:
        if tables := connection.introspection.table_names():
            raise BackupError(
                f"The database is not empty ({len(tables)} tables): restore into a new "
                "database, or pass --replace to replace its contents."
            )
        if media.is_dir() and any(path.is_file() for path in media.rglob("*")):
            raise BackupError(
                f"The media folder {media} has files: restore into a new folder, or pass "
                "--replace to replace them."
            )
    with tempfile.TemporaryDirectory(prefix="declaration-restore-") as scratch:
        unpacked = Path(scratch)
        unpack(archive, manifest, into=unpacked)
        if engine == "postgresql":
            restore_postgres(unpacked / POSTGRES_DUMP, replace=replace)
        else:
            restore_sqlite(unpacked / SQLITE_COPY)
        if replace and media.is_dir():
            shutil.rmtree(media)
        media.mkdir(parents=True, exist_ok=True)
        if (unpacked / "media").is_dir():
            shutil.copytree(unpacked / "media", media, dirs_exist_ok=True)
    media_files = sum(1 for name in manifest["files"] if name.startswith("media/"))
    return Restored(manifest=manifest, media_files=media_files)


def allowed_name(name: str) -> bool:
    """Whether `name` is one a backup writes: the manifest, the database, or a clean relative
    path under media/ (no absolute path, no `..`, no `.`, no empty part)."""
    if name in (MANIFEST, POSTGRES_DUMP, SQLITE_COPY):
        return True
    parts = name.split("/")
    return (
        len(parts) >= 2
        and parts[0] == "media"
        and "\x00" not in name
        and all(part not in ("", ".", "..") for part in parts)
        and PurePosixPath(name).as_posix() == name
    )


def check_members(archive: Path, manifest: dict) -> None:
    """Refuse an archive unless each member is a regular file with an allowed name, listed once
    in the manifest (the manifest itself aside), and every listed file is there."""
    listed = manifest.get("files")
    if not isinstance(listed, dict) or not all(allowed_name(name) for name in listed):
        raise BackupError(f"{archive} lists files that a backup never holds: not restored.")
    seen = set()
    try:
        with tarfile.open(archive) as tar:
            for member in tar:
                name = member.name
                if not member.isreg() or not allowed_name(name):
                    raise BackupError(
                        f"{archive} holds {name!r}, which is not a file a backup writes "
                        "(a link, a folder, a device or a name outside the archive): not restored."
                    )
                if name in seen or (name != MANIFEST and name not in listed):
                    raise BackupError(
                        f"{archive} holds {name!r} twice or outside its manifest: not restored."
                    )
                seen.add(name)
    except tarfile.TarError as error:
        raise BackupError(f"{archive} cannot be read: {error}") from error
    if missing := set(listed) - seen:
        raise BackupError(f"{archive} lacks {sorted(missing)[0]!r}: not restored.")


def unpack(archive: Path, manifest: dict, *, into: Path) -> None:
    """Write each file the manifest lists into `into`, checking its SHA-256 as it is written
    (to a temporary name, renamed once it matches). The first mismatch stops everything; the
    caller's scratch folder, and what was written in it, is then removed."""
    with tarfile.open(archive) as tar:
        for member in tar:
            if member.name == MANIFEST:
                continue
            if not member.isreg() or not allowed_name(member.name):
                raise BackupError(f"{member.name!r} in {archive} changed while read: not restored.")
            target = into.joinpath(*member.name.split("/"))
            pending = target.with_name(f".{target.name}.unchecked")
            digest = hashlib.sha256()
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                with tar.extractfile(member) as source, pending.open("xb") as file:
                    while chunk := source.read(CHUNK):
                        digest.update(chunk)
                        file.write(chunk)
            except OSError as error:
                raise BackupError(
                    f"{member.name} in {archive} cannot be restored: {error}"
                ) from error
            if digest.hexdigest() != manifest["files"][member.name]["sha256"]:
                pending.unlink()
                raise BackupError(
                    f"{member.name} in {archive} does not match its checksum: not restored."
                )
            pending.rename(target)


def restore_postgres(dump: Path, *, replace: bool) -> None:
    check_client_versions("pg_restore")
    connection.close()
    command = ["pg_restore", "--no-owner", "--no-privileges", "--exit-on-error"]
    if replace:
        command += ["--clean", "--if-exists"]
    run([*command, "--dbname", settings.DATABASES["default"]["NAME"], str(dump)])


def restore_sqlite(copy: Path) -> None:
    connection.close()
    target = Path(settings.DATABASES["default"]["NAME"])
    target.parent.mkdir(parents=True, exist_ok=True)
    copy_sqlite(source=copy, target=target)
