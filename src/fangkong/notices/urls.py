from django.urls import path

from . import views

app_name = "notices"
urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.notice_detail, name="notice"),
    path("<int:pk>/files/<int:file_pk>/", views.attachment, name="attachment"),
    path("new/", views.compose, name="compose"),
    path("new/preview/", views.preview, name="preview"),
    path("sent/", views.sent, name="sent"),
    path("<int:pk>/receipts/", views.receipts, name="receipts"),
    path("<int:pk>/receipts/export/", views.receipts_export, name="receipts_export"),
    path("<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
