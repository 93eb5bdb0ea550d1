from django.urls import path

from . import views

# In the `control` namespace (control/urls.py), under /control/sites/.
urlpatterns = [
    path("", views.overview, name="sites_list"),
    path("new/", views.site_new, name="sites_new"),
    path("<int:pk>/", views.board, name="sites_board"),
    path("<int:pk>/edit/", views.site_edit, name="sites_edit"),
    path("<int:pk>/close/", views.site_deactivate, name="sites_deactivate"),
    path("<int:pk>/rooms/", views.rooms_add, name="sites_rooms_add"),
    path("<int:pk>/rooms/import/", views.rooms_import, name="sites_rooms_import"),
    path("<int:pk>/check-in/", views.check_in, name="sites_checkin"),
    path("<int:pk>/export/", views.export, name="sites_export"),
    path("rooms/<int:pk>/", views.room, name="sites_room"),
    path("stays/<int:pk>/", views.stay, name="sites_stay"),
    path("stays/<int:pk>/transfer/", views.transfer, name="sites_transfer"),
    path("stays/<int:pk>/check-out/", views.check_out, name="sites_checkout"),
]
