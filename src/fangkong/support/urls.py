from django.urls import path

from . import views

app_name = "support"
urlpatterns = [
    path("", views.queue, name="queue"),
    path("export/", views.queue_export, name="export"),
    path("<int:pk>/", views.request_detail, name="request"),
    path("<int:pk>/take/", views.request_take, name="take"),
    path("<int:pk>/done/", views.request_done, name="done"),
    path("<int:pk>/cancel/", views.request_cancel, name="cancel"),
    # Staff record a request for a person (linked from the person file).
    path("persons/<int:pk>/new/", views.request_record, name="record"),
]
