from django.apps import AppConfig


class CatalogConfig(AppConfig):
    name = "omnichannel.catalog"
    label = "catalog"
