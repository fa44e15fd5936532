from django.apps import AppConfig


class InventoryConfig(AppConfig):
    name = "omnichannel.inventory"
    label = "inventory"
