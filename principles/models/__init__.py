"""The declaration's models, by concern:

- `text`: the declaration and its versions;
- `items`: a version's principles and action lines, and their text in every language;
- `review`: the review workflow that drafts and translations share;
- `history`: revisions of drafts, reviewers' comments and the site's audit log;
- `immutability`: what never changes once written (published versions, revisions, the audit
  log), guarded on every database and by triggers on PostgreSQL;
- `translations`: translations of published versions and their revisions;
- `pdfs`: the stored, signed PDFs of published versions, and how long each render took;
- `plain_text`: the one normalisation every text of the declaration goes through on input;
- `staff`: the language each member of staff is written to in;
- `consultation`: drafts opened for consultation, invitations and contributions.
"""

from .consultation import (
    Consultation,
    ConsultationReport,
    ConsultationStateError,
    Contribution,
    Invitation,
)
from .history import AuditEntry, ReviewComment, Revision
from .immutability import (
    AppendOnly,
    PublishedVersionIsImmutable,
    RevisionIsImmutable,
    VersionContent,
)
from .items import (
    SOURCE_LANGUAGE,
    ActionLine,
    ActionLineText,
    Principle,
    PrincipleText,
    Standing,
    TextInActiveLanguage,
    VersionText,
    language_field,
)
from .pdfs import DeclarationPdf, PdfRender, declaration_pdf_path
from .plain_text import normalise
from .review import ReviewState, VersionStateError
from .staff import StaffLanguage
from .text import AnotherDraftInReview, Declaration, Version, content_hash
from .translations import Translation, TranslationRevision, translation_languages

__all__ = [
    "SOURCE_LANGUAGE",
    "ActionLine",
    "ActionLineText",
    "AnotherDraftInReview",
    "AppendOnly",
    "AuditEntry",
    "Consultation",
    "ConsultationReport",
    "ConsultationStateError",
    "Contribution",
    "Declaration",
    "DeclarationPdf",
    "Invitation",
    "PdfRender",
    "Principle",
    "PrincipleText",
    "PublishedVersionIsImmutable",
    "ReviewComment",
    "ReviewState",
    "Revision",
    "RevisionIsImmutable",
    "StaffLanguage",
    "Standing",
    "TextInActiveLanguage",
    "Translation",
    "TranslationRevision",
    "Version",
    "VersionContent",
    "VersionStateError",
    "VersionText",
    "content_hash",
    "declaration_pdf_path",
    "language_field",
    "normalise",
    "translation_languages",
]
