from django.apps import AppConfig


class TenantsConfig(AppConfig):
    name = "omnichannel.tenants"
    label = "tenants"
