from django.urls import path

from . import views

app_name = "riskareas"
urlpatterns = [
    path("", views.area_list, name="list"),
    path("new/", views.area_add, name="add"),
    path("import/", views.areas_import, name="import"),
    path("export/", views.areas_export, name="export"),
    path("regions/", views.region_search, name="regions"),
    path("<int:pk>/", views.area_detail, name="area"),
    path("<int:pk>/change/", views.area_change, name="change"),
    path("<int:pk>/lift/", views.area_end, name="end"),
]
