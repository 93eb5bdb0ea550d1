from django.urls import include, path

app_name = "control"
urlpatterns = [
    path("", include("fangkong.control.orders.urls")),
    path("sites/", include("fangkong.control.sites.urls")),
    path("care/", include("fangkong.control.care.urls")),
    path("zones/", include("fangkong.control.zones.urls")),
]
