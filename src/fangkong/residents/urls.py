from django.urls import path

from . import views

app_name = "residents"
urlpatterns = [
    path("", views.status, name="status"),
    path("sign-in/", views.sign_in, name="sign_in"),
    path("sign-in/code/", views.code, name="code"),
    path("choose/", views.choose, name="choose"),
    path("sign-out/", views.sign_out, name="sign_out"),
    path("help/", views.help_request, name="help"),
    path("help/<int:pk>/withdraw/", views.withdraw, name="withdraw"),
]
