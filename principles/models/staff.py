"""What the site knows of a member of staff besides Django's user: the language to write to
them in."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class StaffLanguage(models.Model):
    """The language a member of staff reads the site in, remembered each time they sign in
    (or set by an operator in the admin), so that the emails sent to them by others' actions
    are in that language. Without one, they are written in the site's default language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("person"),
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="staff_language",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES)

    class Meta:
        verbose_name = _("language of a member of staff")
        verbose_name_plural = _("languages of members of staff")

    def __str__(self):
        return f"{self.user}: {self.language}"

    @classmethod
    def of(cls, user, *, default: str | None = None) -> str:
        """The language to write to `user` in: theirs, else `default`, else the site's."""
        stored = cls.objects.filter(user=user).values_list("language", flat=True).first()
        return stored or default or settings.LANGUAGE_CODE

    @classmethod
    def remember(cls, user, language: str) -> None:
        if language in dict(settings.LANGUAGES):
            cls.objects.update_or_create(user=user, defaults={"language": language})
