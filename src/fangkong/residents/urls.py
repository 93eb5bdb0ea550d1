from django.urls import URLPattern

app_name = "residents"
urlpatterns: list[URLPattern] = []
