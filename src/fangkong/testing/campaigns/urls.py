from django.urls import path

from . import views

# No app_name: the names live in the `testing` namespace, prefixed with the area; mounted
# at /testing/.
urlpatterns = [
    path("", views.campaign_list, name="campaigns_list"),
    path("new/", views.campaign_new, name="campaigns_new"),
    path("day/", views.campaigns_day, name="campaigns_day"),
    path("<int:pk>/", views.campaign_detail, name="campaigns_detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="campaigns_edit"),
    path("<int:pk>/open/", views.campaign_open, name="campaigns_open"),
    path("<int:pk>/progress/", views.campaign_progress, name="campaigns_progress"),
    path("<int:pk>/close/", views.campaign_close, name="campaigns_close"),
    path("<int:pk>/coverage/", views.coverage, name="campaigns_coverage"),
    path("<int:pk>/unsampled/", views.unsampled, name="campaigns_unsampled"),
    path("<int:pk>/unsampled/export/", views.unsampled_export, name="campaigns_unsampled_export"),
    path("<int:pk>/exemption/", views.exemption, name="campaigns_exemption"),
    path("<int:pk>/rate/", views.rate, name="campaigns_rate"),
    path("<int:pk>/boxes/", views.boxes, name="campaigns_boxes"),
    path("<int:pk>/tubes/", views.tubes, name="campaigns_tubes"),
]
