from django.urls import path

from . import views

app_name = "screening"
urlpatterns = [
    path("", views.rounds, name="rounds"),
    path("mine/", views.my_tasks, name="my_tasks"),
    path("day/", views.day_list, name="day_list"),
    path("new/", views.round_new, name="round_new"),
    path("regions/", views.region_options, name="regions"),
    path("<int:pk>/", views.round_detail, name="round"),
    path("<int:pk>/close/", views.round_close, name="round_close"),
    path("<int:pk>/unreached/", views.unreached, name="unreached"),
    path("<int:pk>/export/<str:kind>/", views.round_export, name="round_export"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/sign/", views.task_sign, name="task_sign"),
    path("tasks/<int:pk>/buildings/<str:building>/", views.walk, name="walk"),
    path("tasks/<int:pk>/households/<int:household_id>/", views.household, name="household"),
]
