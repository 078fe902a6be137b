"""Organisations endorsing the declaration.

An Endorsement is submitted through the public form, confirmed by its contact through an emailed
link, then approved (or rejected, or marked as spam) by a Moderator; only approved endorsements
are public. An endorser may later withdraw, which erases the personal data and keeps what an
audit needs.

"The same organisation" means the same normalised name in the same country (see
`normalise_name`); the database refuses a second live endorsement for it.
"""

from declaration_site.countries import EndorsementCountries

# Migrations name these by their old place, endorsements/models.py.
from ..names import normalise_name
from .batches import ModerationBatch, ModerationBatchItem
from .certificates import CertificatePdf, certificate_path
from .changes import EndorsementChange, EndorsementChangeQuerySet
from .endorsement import (
    LINK_PURPOSES,
    Endorsement,
    EndorsementCountryField,
    EndorsementQuerySet,
    EndorsementStateError,
    Reconfirmation,
    confirmation_max_age,
    new_public_id,
    version_field,
)
from .files import (
    Logo,
    LogoQuerySet,
    LogoStateError,
    OpenDataFile,
    OpenDataFileQuerySet,
    logo_path,
    open_data_path,
)

__all__ = [
    "LINK_PURPOSES",
    "CertificatePdf",
    "Endorsement",
    "EndorsementChange",
    "EndorsementChangeQuerySet",
    "EndorsementCountries",
    "EndorsementCountryField",
    "EndorsementQuerySet",
    "EndorsementStateError",
    "Logo",
    "LogoQuerySet",
    "LogoStateError",
    "ModerationBatch",
    "ModerationBatchItem",
    "OpenDataFile",
    "OpenDataFileQuerySet",
    "Reconfirmation",
    "certificate_path",
    "confirmation_max_age",
    "logo_path",
    "new_public_id",
    "normalise_name",
    "open_data_path",
    "version_field",
]
