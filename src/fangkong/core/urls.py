from django.urls import path

from . import views

app_name = "core"
urlpatterns = [
    path("", views.audit_view, name="audit"),
    path("jobs/<int:job_id>/", views.job_detail, name="job"),
    path("jobs/<int:job_id>/download", views.job_download, name="job_download"),
]
