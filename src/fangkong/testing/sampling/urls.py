from django.urls import path

from . import views

# No app_name: the names live in the `testing` namespace, prefixed with the area; mounted
# at /testing/sampling/.
urlpatterns = [
    path("", views.sites, name="sampling_sites"),
    path("new/", views.site_new, name="sampling_site_new"),
    path("<int:pk>/", views.site, name="sampling_site"),
    path("<int:pk>/edit/", views.site_edit, name="sampling_site_edit"),
    path("<int:pk>/members/", views.member_add, name="sampling_member_add"),
    path("<int:pk>/devices/", views.device_add, name="sampling_device_add"),
    path("members/<int:pk>/remove/", views.member_remove, name="sampling_member_remove"),
    path("devices/<int:pk>/revoke/", views.device_revoke, name="sampling_device_revoke"),
    # The device's page and its service worker: public, useless without a device token.
    path("device/", views.device_page, name="sampling_device"),
    path("sw.js", views.service_worker, name="sampling_sw"),
]
