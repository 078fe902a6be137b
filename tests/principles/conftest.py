import pytest

PASSPHRASE = "test passphrase"


@pytest.fixture(scope="session")
def signing_key(tmp_path_factory):
    """One self-signed signing key for the whole run (key generation takes a moment)."""
    from principles.signing import create_self_signed_key

    path = tmp_path_factory.mktemp("signing") / "test.p12"
    create_self_signed_key(path=path, passphrase=PASSPHRASE, common_name="Test signing key")
    return path


@pytest.fixture
def pdf_settings(settings, signing_key, tmp_path):
    """Sign with the test key and store PDFs in a folder of this test's own."""
    settings.PDF_SIGNING_PKCS12 = str(signing_key)
    settings.PDF_SIGNING_PASSPHRASE = PASSPHRASE
    settings.MEDIA_ROOT = tmp_path / "media"
    settings.SITE_URL = "https://declaration.example.org"
    return settings
