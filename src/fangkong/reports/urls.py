from django.urls import path

from . import views
from .dashboard.urls import urlpatterns as dashboard_urlpatterns

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("daily/<str:code>/<str:day>/", views.daily, name="daily"),
    path("daily/<str:code>/<str:day>/edit/", views.daily_edit, name="daily_edit"),
    path("daily/<str:code>/<str:day>/prepare/", views.daily_prepare, name="daily_prepare"),
    path("daily/<str:code>/<str:day>/submit/", views.daily_submit, name="daily_submit"),
    path("daily/<str:code>/<str:day>/sign/", views.daily_sign, name="daily_sign"),
    path("daily/<str:code>/<str:day>/correct/", views.daily_correct, name="daily_correct"),
    path("daily/<str:code>/<str:day>/print/", views.daily_print, name="daily_print"),
    path("daily/<str:code>/<str:day>/export.xlsx", views.daily_export, name="daily_export"),
    *dashboard_urlpatterns,
]
