from django.urls import URLPattern, path

from . import resident, views

# In the `control` namespace (control/urls.py), under care/.
urlpatterns: list[URLPattern] = [
    path("", views.board, name="care_board"),
    path("followups/", views.followups, name="care_followups"),
    path("followups/<int:pk>/", views.followup, name="care_followup"),
    path("alerts/", views.alerts, name="care_alerts"),
    path("alerts/<int:pk>/", views.alert, name="care_alert"),
    path("alerts/<int:pk>/acknowledge/", views.alert_acknowledge, name="care_alert_acknowledge"),
    path("alerts/<int:pk>/close/", views.alert_close, name="care_alert_close"),
    path("transfers/", views.transfers, name="care_transfers"),
    path("transfers/<int:pk>/done/", views.transfer_done, name="care_transfer_done"),
    path("teams/", views.teams, name="care_teams"),
    path("teams/new/", views.team_new, name="care_team_new"),
    path("teams/<int:pk>/", views.team, name="care_team"),
    path("teams/<int:pk>/members/", views.member_add, name="care_member_add"),
    path("members/<int:pk>/remove/", views.member_remove, name="care_member_remove"),
    path("teams/<int:pk>/assign/", views.team_assign, name="care_team_assign"),
    path("teams/<int:pk>/assign-unassigned/", views.team_assign_bulk, name="care_team_assign_bulk"),
    path("home/", views.home, name="care_home"),
    path("home/<int:pk>/", views.home_order, name="care_home_order"),
    path("home/<int:pk>/seal/", views.seal, name="care_seal"),
    path("home/<int:pk>/unseal/", views.unseal, name="care_unseal"),
    path("home/<int:pk>/sensors/", views.sensor_new, name="care_sensor_new"),
    path("sensors/<int:pk>/revoke/", views.sensor_revoke, name="care_sensor_revoke"),
    path("compounds/<int:pk>/public-list/", views.public_list, name="care_public_list"),
    # The resident's own report (a resident session, not a staff account).
    path("self-report/<int:pk>/", resident.self_report, name="care_self_report"),
]
