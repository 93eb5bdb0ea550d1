from django.urls import path

from . import views

app_name = "pushlists"
urlpatterns = [
    path("", views.lists, name="lists"),
    path("new/", views.list_new, name="list_new"),
    path("imports/<int:job_id>/", views.import_status, name="import_status"),
    path("imports/<int:job_id>/rejected.xlsx", views.import_rejected, name="import_rejected"),
    path("<int:pk>/", views.list_detail, name="list"),
    path("<int:pk>/import/", views.list_more, name="list_import"),
    path("<int:pk>/export/", views.list_export, name="list_export"),
    path("queue/", views.queue, name="queue"),
    path("entries/<int:pk>/", views.entry_detail, name="entry"),
    path("entries/<int:pk>/decide/", views.entry_decide, name="entry_decide"),
    path("entries/<int:pk>/assign/", views.entry_assign, name="entry_assign"),
    path("entries/<int:pk>/return/", views.entry_return, name="entry_return"),
    path("entries/<int:pk>/reveal/", views.entry_reveal, name="entry_reveal"),
    path("tasks/", views.tasks, name="tasks"),
    path("tasks/<int:pk>/", views.task_detail, name="task"),
    path("tasks/<int:pk>/record/", views.task_record, name="task_record"),
    path("tasks/<int:pk>/reroute/", views.task_reroute, name="task_reroute"),
    path("tasks/<int:pk>/close/", views.task_close, name="task_close"),
    path("supervision/", views.supervision, name="supervision"),
]
