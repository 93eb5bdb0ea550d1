from django.urls import path

from . import views

# In the `control` namespace (control/urls.py), under /control/zones/.
urlpatterns = [
    path("", views.zone_list, name="zones_list"),
    path("new/", views.zone_new, name="zones_new"),
    path("<int:pk>/", views.zone_detail, name="zones_detail"),
    path("<int:pk>/lift/", views.zone_lift, name="zones_lift"),
    path("<int:pk>/export/", views.zone_export, name="zones_export"),
]
