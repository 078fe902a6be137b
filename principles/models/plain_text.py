"""The declaration's text is plain text, normalised once, on input, by `normalise`.

Browsers send a textarea's line breaks as "\\r\\n", word processors paste trailing spaces,
non-breaking spaces at line ends and decomposed accents (e + U+0301 for é). Stored as typed,
saving an unchanged text would record a revision, the comparison would mark it "reworded" and
the content hash would change: none of which a reader could see. So every text field of the
declaration's text, of drafts and translations alike, is a `PlainTextField`/`PlainCharField`,
which normalises its value whenever a row is written (the loader, drafting, translations being
published, the admin), and the services normalise what they compare before deciding whether
anything changed.

What `normalise` does, and why each rule cannot change what a reader sees:
- "\\r\\n", "\\r", vertical tab, form feed (Word's manual line break) and the Unicode line and
  paragraph separators become "\\n";
- Unicode NFC: the same letters, composed the one way every keyboard types them;
- runs of spaces and tabs inside a line become one space, and spaces and tabs at the start of
  a line go (pages render text as HTML, which shows neither); any whitespace at the end of a
  line goes, non-breaking spaces included;
- two or more blank lines become one (a paragraph break either way), and blank lines at the
  start and the end go.

What it keeps: non-breaking spaces inside a line (French typography puts them before « : ; ! ? »
and inside guillemets), ideographic spaces at the start of a line (a Chinese paragraph's
indent), and the bidirectional marks and isolates that mixed Arabic and Latin text needs.
Characters that have no place in a text are refused with a message by the forms
(`principles.drafting.forms`), not silently dropped here.

Published versions were stored before this rule and are never rewritten (published means
immutable): their content hash is computed over the text as stored, so it still verifies.
"""

import re
import unicodedata

from django.db import models

LINE_BREAKS = re.compile(r"\r\n|[\r\v\f\x85\u2028\u2029]")
SPACES_IN_LINE = re.compile(r"[ \t]+")
BLANK_LINE_RUNS = re.compile(r"\n{3,}")


def normalise(value: str) -> str:
    """`value` as the declaration stores it: see the module's docstring."""
    value = unicodedata.normalize("NFC", LINE_BREAKS.sub("\n", value))
    lines = [SPACES_IN_LINE.sub(" ", line).lstrip(" ").rstrip() for line in value.split("\n")]
    return BLANK_LINE_RUNS.sub("\n\n", "\n".join(lines)).strip("\n")


class NormalisedOnSave:
    """Normalise the field's value whenever its row is written, by save() or bulk_create()."""

    def pre_save(self, model_instance, add):
        value = getattr(model_instance, self.attname)
        if isinstance(value, str):
            value = normalise(value)
            setattr(model_instance, self.attname, value)
        return value


class PlainTextField(NormalisedOnSave, models.TextField):
    pass


class PlainCharField(NormalisedOnSave, models.CharField):
    pass
