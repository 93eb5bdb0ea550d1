from django.urls import path

from . import views

# In the `testing` namespace (testing/urls.py), under /testing/labs/.
urlpatterns = [
    path("", views.labs, name="labs_list"),
    path("new/", views.lab_new, name="labs_new"),
    path("<int:pk>/", views.lab, name="labs_lab"),
    path("devices/<int:pk>/revoke/", views.device_revoke, name="labs_device_revoke"),
    path("receive/", views.receive, name="labs_receive"),
    path("results/", views.results, name="labs_results"),
    path("results/upload/", views.upload, name="labs_upload"),
    path("results/imports/<int:job_id>/", views.import_status, name="labs_import_status"),
    path(
        "results/imports/<int:job_id>/rejected/",
        views.import_rejected,
        name="labs_import_rejected",
    ),
    path("unmatched/", views.unmatched, name="labs_unmatched"),
    path("unmatched/match-known/", views.match_known, name="labs_match_known"),
    path("unmatched/<int:pk>/", views.match, name="labs_match"),
    path("pools/", views.alarms, name="labs_alarms"),
    path("tubes/<int:pk>/", views.tube, name="labs_tube"),
    path("people/<int:pk>/", views.person, name="labs_person"),
]
