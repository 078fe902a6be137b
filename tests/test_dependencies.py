"""The environment the suite runs in is the one uv.lock pins: what `make setup` installs, in CI as
on a newcomer's machine."""

import tomllib
from importlib import metadata
from pathlib import Path

from django.conf import settings
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

LOCK = Path(settings.BASE_DIR) / "uv.lock"


def locked_versions() -> dict[str, str]:
    packages = tomllib.loads(LOCK.read_text())["package"]
    return {canonicalize_name(p["name"]): p["version"] for p in packages if "version" in p}


def test_every_installed_package_is_at_the_version_the_lock_pins():
    locked = locked_versions()
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version for dist in metadata.distributions()
    }
    # pip (which installed uv) is the venv's own; the project itself is not pinned by version.
    unlocked = set(installed) - set(locked) - {"pip", "setuptools", "declaration-site"}

    assert unlocked == set()
    assert {name: v for name, v in installed.items() if locked.get(name, v) != v} == {}


def test_the_lock_pins_every_file_with_its_hash():
    packages = tomllib.loads(LOCK.read_text())["package"]
    files = [
        file
        for package in packages
        for file in [package.get("sdist"), *package.get("wheels", [])]
        if file is not None
    ]

    assert len(files) > 100
    assert [file["url"] for file in files if not file.get("hash", "").startswith("sha256:")] == []


def test_the_lock_holds_every_dependency_that_pyproject_names():
    project = tomllib.loads((Path(settings.BASE_DIR) / "pyproject.toml").read_text())["project"]
    named = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    names = {canonicalize_name(Requirement(requirement).name) for requirement in named}

    assert names - set(locked_versions()) == set()
