from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "omnichannel.api"
    label = "api"
