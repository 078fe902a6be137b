from django.conf.urls.i18n import i18n_patterns
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path, register_converter

from . import audit, views
from .converters import NumberConverter

register_converter(NumberConverter, "number")

urlpatterns = [
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    path("i18n/", include("django.conf.urls.i18n")),
]

# Every page exists in each language: English, the source language, at the unprefixed address
# (so that citations and permalinks never change), the others under /fr/, /ar/, /zh-hans/ …
urlpatterns += i18n_patterns(
    path("", include("principles.urls")),
    path("", include("endorsements.urls")),
    # Drafting: staff sign in, then work in the drafting workspace.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("accounts/start/", views.landing, name="landing"),
    path("drafting/", include("principles.drafting.urls")),
    path("audit/", audit.audit_log, name="audit"),
    prefix_default_language=False,
)

handler500 = "declaration_site.views.server_error"
