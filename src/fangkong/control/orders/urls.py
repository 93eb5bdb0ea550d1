from django.urls import path

from . import resident, views

# No app_name: the names live in the `control` namespace, prefixed with the area.
urlpatterns = [
    path("orders/", views.order_list, name="orders_list"),
    path("orders/export/", views.order_export, name="orders_export"),
    path("orders/propose/", views.order_propose, name="orders_propose"),
    path("orders/propose/zone/<int:pk>/", views.zone_propose, name="orders_propose_zone"),
    path("orders/approve/", views.order_approve_bulk, name="orders_approve_bulk"),
    path("orders/<int:pk>/", views.order_detail, name="orders_detail"),
    path("orders/<int:pk>/approve/", views.order_approve, name="orders_approve"),
    path("orders/<int:pk>/reject/", views.order_reject, name="orders_reject"),
    path("orders/<int:pk>/notice/", views.order_notice, name="orders_notice"),
    path("orders/<int:pk>/release/", views.order_release, name="orders_release"),
    path("orders/<int:pk>/end/", views.order_end, name="orders_end"),
    path("orders/<int:pk>/extend/", views.order_extend, name="orders_extend"),
    path("orders/<int:pk>/handover/", views.order_handover, name="orders_handover"),
    path("orders/tests/", views.tests_due, name="orders_tests"),
    path("orders/tests/<int:pk>/record/", views.test_record, name="orders_test_record"),
    path("orders/tests/<int:pk>/correct/", views.test_correct, name="orders_test_correct"),
    path("orders/due/", views.due, name="orders_due"),
    path("orders/oversight/", views.oversight, name="orders_oversight"),
    path("orders/oversight/export/", views.oversight_export, name="orders_oversight_export"),
    path("orders/counts/", views.counts, name="orders_counts"),
    path("policies/", views.policy_list, name="orders_policies"),
    path("policies/install/", views.policy_install, name="orders_policy_install"),
    path("policies/<int:pk>/", views.policy_detail, name="orders_policy"),
    path("policies/<int:pk>/edit/", views.policy_edit, name="orders_policy_edit"),
    path("me/orders/<int:pk>/notice/", resident.my_notice, name="orders_my_notice"),
]
