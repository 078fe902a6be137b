from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("principles.urls")),
    path("", include("endorsements.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
    # Drafting: staff sign in, then work in the drafting workspace.
    path(
        "accounts/login/",
        auth_views.LoginView.as_view(redirect_authenticated_user=True),
        name="login",
    ),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("drafting/", include("principles.drafting_urls")),
]
