"""The kinds of organisation a participant speaks for: the same list on the endorsement form and
in a consultation, so that the public list and a consultation's report count them alike."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class OrganisationType(models.TextChoices):
    GOVERNMENT = "government", _("Government or ministry")
    INTERGOVERNMENTAL = "intergovernmental", _("UN agency or intergovernmental organisation")
    NGO = "ngo", _("NGO or civil society")
    ACADEMIA = "academia", _("Academia or research")
    PRIVATE = "private", _("Private sector")
    FOUNDATION = "foundation", _("Foundation or philanthropy")
    TEACHERS_YOUTH = "teachers-youth", _("Teachers' or youth organisation")
    OTHER = "other", _("Other")
