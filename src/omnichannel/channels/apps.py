from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "omnichannel.channels"
    label = "channels"
