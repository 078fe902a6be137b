"""Staff accounts: changing and resetting a password, with Django's own views and forms.

Only the parts Django leaves to the site are here: the reset email goes through the task
worker, as every other email does, in the language the person asked in, with a link built from
SITE_URL; and asking for it is rate-limited like the other forms anyone can post.
"""

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm
from django.contrib.auth.tokens import default_token_generator
from django.core.mail import EmailMessage
from django.shortcuts import render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods
from django_tasks import task

from declaration_site.client_identity import too_many_emails_asked

RESET_FORM_TEMPLATE = "registration/password_reset_form.html"


class SignInForm(AuthenticationForm):
    """Django's sign-in form; after a failed attempt the error summary takes the focus, so the
    username field gives up its autofocus (a page may have one)."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:
            self.fields["username"].widget.attrs.pop("autofocus", None)


class QueuedPasswordResetForm(PasswordResetForm):
    """Django's reset form, which already answers the same for any address and leaves out
    inactive people and those without a usable password (`get_users`); the email itself is
    queued, so that asking takes as long for a known address as for an unknown one."""

    def save(self, **_options) -> None:
        language = translation.get_language()
        for user in self.get_users(self.cleaned_data["email"]):
            send_password_reset_email.enqueue(user_id=user.pk, language=language)


@task()
def send_password_reset_email(*, user_id: int, language: str) -> str:
    """Email a password reset link. The token is made here rather than when it was asked
    for, so that it is never stored in the task queue; it stops working once the password
    changes or after PASSWORD_RESET_TIMEOUT. No retry: the person can simply ask again."""
    user = get_user_model().objects.filter(pk=user_id, is_active=True).first()
    if user is None or not user.has_usable_password():
        return "skipped: the account cannot sign in with a password"
    with translation.override(language):
        path = reverse(
            "password_reset_confirm",
            kwargs={
                "uidb64": urlsafe_base64_encode(force_bytes(user.pk)),
                "token": default_token_generator.make_token(user),
            },
        )
        body = render_to_string(
            "emails/accounts/password_reset.txt",
            {"user": user, "reset_url": settings.SITE_URL + path},
        )
        subject = _("Reset your password")
    EmailMessage(subject=subject, body=body, to=[user.email]).send()
    return "sent"


reset_request = auth_views.PasswordResetView.as_view(
    form_class=QueuedPasswordResetForm, template_name=RESET_FORM_TEMPLATE
)


@require_http_methods(["GET", "POST"])
def password_reset(request):
    """Django's page for asking for a reset link, rate-limited."""
    if request.method == "POST" and too_many_emails_asked(request, group="accounts.password_reset"):
        context = {"form": QueuedPasswordResetForm(request.POST), "rate_limited": True}
        return render(request, RESET_FORM_TEMPLATE, context, status=429)
    return reset_request(request)
