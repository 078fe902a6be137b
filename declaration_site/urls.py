from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from . import accounts, audit, metrics, views
from .converters import NumberConverter
from .share import views as share_views

register_converter(NumberConverter, "number")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    # For Prometheus, from METRICS_ALLOWED_NETWORKS only; in no language, never cached.
    path("metrics", metrics.metrics, name="metrics"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
    path(
        "partner-lockup-<slug:content_hash>.<slug:extension>",
        views.partner_lockup,
        name="partner-lockup",
    ),
]

# Every page exists in each language: English, the source language, at the unprefixed address
# (so that citations and permalinks never change), the others under /fr/, /ar/, /zh-hans/ …
urlpatterns += i18n_patterns(
    path("", include("principles.urls")),
    path("", include("endorsements.urls")),
    # Drafting: staff sign in, then work in the drafting workspace.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(
            authentication_form=accounts.SignInForm, redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    # Django's own password views, at the addresses and under the names of
    # django.contrib.auth.urls; asking for a reset link is rate-limited (accounts.py).
    path(
        "accounts/password_change/",
        auth_views.PasswordChangeView.as_view(),
        name="password_change",
    ),
    path(
        "accounts/password_change/done/",
        auth_views.PasswordChangeDoneView.as_view(),
        name="password_change_done",
    ),
    path("accounts/password_reset/", accounts.password_reset, name="password_reset"),
    path(
        "accounts/password_reset/done/",
        auth_views.PasswordResetDoneView.as_view(),
        name="password_reset_done",
    ),
    path(
        "accounts/reset/<uidb64>/<token>/",
        auth_views.PasswordResetConfirmView.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "accounts/reset/done/",
        auth_views.PasswordResetCompleteView.as_view(),
        name="password_reset_complete",
    ),
    path("accounts/start/", views.landing, name="landing"),
    path("drafting/", include("principles.drafting.urls")),
    path("consultation/", include("principles.consultation.urls")),
    path("audit/", audit.audit_log, name="audit"),
    path("share/<slug:kind>/<slug:digest>.png", share_views.share_card, name="share-card"),
    prefix_default_language=False,
)

handler500 = "declaration_site.views.server_error"
