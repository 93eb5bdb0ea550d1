from django.urls import path

from . import views

# No app_name: the names live in the `testing` namespace, prefixed with the area; mounted
# at /testing/field/.
urlpatterns = [
    path("cards/", views.cards, name="field_cards"),
    path("cards/issue/", views.cards_issue, name="field_cards_issue"),
    path("cards/print/", views.cards_print, name="field_cards_print"),
    path("cards/<int:pk>/void/", views.card_void, name="field_card_void"),
    path("cards/<int:pk>/reissue/", views.card_reissue, name="field_card_reissue"),
    path("home/", views.home, name="field_home"),
    path("home/generate/", views.home_generate, name="field_home_generate"),
    path("home/<int:pk>/", views.home_task, name="field_home_task"),
    path("home/<int:pk>/close/", views.home_close, name="field_home_close"),
    path("home/<int:pk>/assign/", views.home_assign, name="field_home_assign"),
]
