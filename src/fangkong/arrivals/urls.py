from django.urls import path

from . import views

app_name = "arrivals"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("export/", views.queue_export, name="export"),
    path("<int:pk>/", views.report_detail, name="report"),
    path("<int:pk>/verify/", views.report_verify, name="report_verify"),
    path("<int:pk>/reveal/", views.report_reveal, name="report_reveal"),
    path("posters/", views.posters, name="posters"),
    path("posters/<str:code>/", views.poster, name="poster"),
    path("posters/<str:code>/replace/", views.poster_replace, name="poster_replace"),
    # Public: the poster's page, its receipt, the origin picker.
    path("r/<str:token>/", views.public_form, name="public_form"),
    path("r/<str:token>/receipt/<str:receipt>/", views.public_receipt, name="public_receipt"),
    path("r/<str:token>/regions/", views.public_regions, name="public_regions"),
]
