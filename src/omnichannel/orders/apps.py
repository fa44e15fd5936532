from django.apps import AppConfig


class OrdersConfig(AppConfig):
    name = "omnichannel.orders"
    label = "orders"
