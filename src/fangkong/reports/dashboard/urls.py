from django.urls import path

from . import views

# Mounted by reports/urls.py in the "reports" namespace.
urlpatterns = [
    path("dashboard/", views.dashboard, name="dashboard"),
    path("dashboard/wall/", views.dashboard_wall, name="dashboard_wall"),
    path("dashboard/data.json", views.dashboard_json, name="dashboard_data"),
]
