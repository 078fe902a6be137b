from django.urls import path

from . import views
from .pdf import views as pdf_views

app_name = "principles"

urlpatterns = [
    path("", views.current, name="current"),
    path("about/", views.about, name="about"),
    path("versions/", views.version_list, name="versions"),
    path("versions/<number:number>/", views.version_detail, name="version"),
    path("versions/<number:old>/compare/<number:new>/", views.compare_versions, name="compare"),
    path("declaration.pdf", pdf_views.current_pdf, name="current-pdf"),
    path("versions/<number:number>/declaration.pdf", pdf_views.version_pdf, name="version-pdf"),
    path("verify/", pdf_views.verify, name="verify"),
]
