from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", include("principles.urls")),
    path("", include("endorsements.urls")),
    path("healthz", views.healthz, name="healthz"),
    path("admin/", admin.site.urls),
]
