from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "fangkong.registry"
    label = "registry"
    verbose_name = "Registry"
