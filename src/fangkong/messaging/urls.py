from django.urls import path

from . import views

app_name = "messaging"
urlpatterns = [
    path("", views.batches, name="batches"),
    path("new/<str:audience>/", views.batch_new, name="new"),
    path("<int:pk>/", views.batch, name="batch"),
    path("<int:pk>/export.xlsx", views.batch_export, name="export"),
    path("<int:pk>/retry/", views.batch_retry, name="retry"),
]
