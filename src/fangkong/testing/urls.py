from django.urls import include, path

app_name = "testing"
urlpatterns = [
    path("", include("fangkong.testing.campaigns.urls")),
    path("sampling/", include("fangkong.testing.sampling.urls")),
    path("labs/", include("fangkong.testing.labs.urls")),
    path("field/", include("fangkong.testing.field.urls")),
]
