from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "omnichannel.notifications"
    label = "notifications"
