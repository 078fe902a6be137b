from django.urls import path

from . import views

app_name = "principles"

urlpatterns = [
    path("", views.current, name="current"),
    path("versions/", views.version_list, name="versions"),
    path("versions/<number:number>/", views.version_detail, name="version"),
    path("versions/<number:old>/compare/<number:new>/", views.compare_versions, name="compare"),
    path("declaration.pdf", views.current_pdf, name="current-pdf"),
    path("versions/<number:number>/declaration.pdf", views.version_pdf, name="version-pdf"),
    path("verify/", views.verify, name="verify"),
]
