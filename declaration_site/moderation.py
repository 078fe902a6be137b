"""What moderating endorsements and moderating consultation contributions share: the three
decisions and the field that reads the entries a Moderator checked in a queue."""

from django import forms
from django.db import models
from django.utils.translation import gettext_lazy as _

from .converters import is_ascii_number


class Decision(models.TextChoices):
    APPROVE = "approve", _("Approve")
    REJECT = "reject", _("Reject")
    SPAM = "spam", _("Mark as spam")


class SelectedIdsField(forms.Field):
    """The ids of the entries a Moderator checked. Whether each still awaits moderation is
    the service's to decide, under a lock: one that another Moderator decided a moment ago must
    not make the rest of the batch fail."""

    widget = forms.CheckboxSelectMultiple  # drawn by the template, one box an entry
    default_error_messages = {
        "required": _("Select at least one entry."),
        "invalid": _("The selection is not valid. Reload the page and select again."),
    }

    def to_python(self, value) -> list[int]:
        if not value:
            return []
        values = value if isinstance(value, list | tuple) else [value]
        if not all(is_ascii_number(str(pk), max_digits=18) for pk in values):
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return sorted({int(pk) for pk in values})
