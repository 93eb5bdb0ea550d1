from django.urls import path

from . import views

app_name = "registry"
urlpatterns = [
    path("tree/", views.tree, name="tree"),
    path("tree/<str:code>/", views.jurisdiction_detail, name="jurisdiction"),
    path("tree/<str:code>/grids/new/", views.grid_create, name="grid_create"),
    path("tree/<str:code>/compounds/new/", views.compound_create, name="compound_create"),
    path("tree/<str:code>/<str:action>/", views.jurisdiction_action, name="jurisdiction_action"),
    path("compounds/<int:pk>/", views.compound_detail, name="compound"),
    path("buildings/<int:pk>/", views.building_detail, name="building"),
    path("units/<int:pk>/", views.unit_detail, name="unit"),
    path("households/<int:pk>/", views.household_detail, name="household"),
    path("households/<int:pk>/persons/new/", views.person_create, name="person_create"),
    path("places/<str:kind>/<int:pk>/add/<str:child>/", views.place_add_child, name="place_add"),
    path("places/<str:kind>/<int:pk>/<str:action>/", views.place_action, name="place_action"),
    path("persons/", views.person_list, name="persons"),
    path("persons/export/", views.person_export, name="person_export"),
    path("persons/<int:pk>/", views.person_detail, name="person"),
    path("persons/<int:pk>/reveal/", views.person_reveal, name="person_reveal"),
    path("persons/<int:pk>/edit/", views.person_edit, name="person_edit"),
    path("persons/<int:pk>/move/", views.person_move, name="person_move"),
    path("persons/<int:pk>/status/", views.person_status, name="person_status"),
    path("import/", views.import_start, name="import"),
    path("import/<int:job_id>/", views.import_status, name="import_status"),
    path("import/<int:job_id>/rejected.xlsx", views.import_rejected, name="import_rejected"),
]
