"""The layout that lets a newcomer find their way keeps holding: the apps depend on each other
one way, views do not borrow from each other, and no module grows past what a reader can hold.
The imports are read from the source by grimp (it parses the files; nothing is imported)."""

from pathlib import Path

import grimp
import pytest

# Its module-wide fixtures are set up once: under pytest-xdist the module runs in one worker.
pytestmark = pytest.mark.xdist_group("architecture")

ROOT = Path(__file__).resolve().parent.parent
OUR_PACKAGES = ("declaration_site", "principles", "endorsements")
LONGEST_MODULE = 650


@pytest.fixture(scope="module")
def imports():
    return grimp.build_graph(*OUR_PACKAGES, cache_dir=None)


def direct_imports(graph, importer_prefix: str, imported_prefix: str) -> set[tuple[str, str]]:
    return {
        (importer, imported)
        for importer in graph.modules
        if importer == importer_prefix or importer.startswith(importer_prefix + ".")
        for imported in graph.find_modules_directly_imported_by(importer)
        if imported == imported_prefix or imported.startswith(imported_prefix + ".")
    }


def test_only_the_pdf_package_of_principles_reads_endorsements(imports):
    crossings = direct_imports(imports, "principles", "endorsements")
    assert crossings, "principles.pdf lists the signatories, so it imports endorsements"
    assert {
        importer for importer, _ in crossings if not importer.startswith("principles.pdf.")
    } == (set())


# The pages that compose both apps: the sign-in landing, the site's one audit log, the share
# cards (the declaration's title and the count of endorsers), the partner lockup of every
# page's footer, checked as endorsers' logos are, and /metrics (endorsements by state, PDF
# render times).
COMPOSING_PAGES = {
    "declaration_site.metrics",
    "declaration_site.views",
    "declaration_site.audit",
    "declaration_site.urls",
    "declaration_site.partner_lockup",
    "declaration_site.share.cards",
}


def test_what_both_apps_share_in_declaration_site_depends_on_neither(imports):
    """Countries, the public cache, the client's address: both apps use them, so they may not
    use either app; only the pages on top of both reach into them."""
    reached = {
        importer
        for app in ("principles", "endorsements")
        for importer, _ in direct_imports(imports, "declaration_site", app)
    }
    assert reached <= COMPOSING_PAGES


def is_view_module(name: str) -> bool:
    last = name.rpartition(".")[2]
    return last == "views" or last.endswith("_views")


def test_no_view_module_imports_another_view_module(imports):
    borrowed = {
        (importer, imported)
        for importer in imports.modules
        if is_view_module(importer)
        for imported in imports.find_modules_directly_imported_by(importer)
        if is_view_module(imported)
    }
    assert borrowed == set()


def test_no_python_module_outside_migrations_is_longer_than_650_lines():
    lengths = {
        str(path.relative_to(ROOT)): len(path.read_text().splitlines())
        for folder in (*OUR_PACKAGES, "tests", "bench")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    }
    assert {path: n for path, n in lengths.items() if n > LONGEST_MODULE} == {}
