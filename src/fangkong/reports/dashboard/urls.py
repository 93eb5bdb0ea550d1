from django.urls import path  # noqa: F401

# Mounted by reports/urls.py in the "reports" namespace (names start with "dashboard").
urlpatterns: list = []
