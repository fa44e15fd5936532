from django.apps import AppConfig


class FulfillmentConfig(AppConfig):
    name = "omnichannel.fulfillment"
    label = "fulfillment"
