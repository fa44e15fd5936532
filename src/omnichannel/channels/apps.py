from django.apps import AppConfig


class ChannelsConfig(AppConfig):
    name = "omnichannel.channels"
    label = "channels"

    def ready(self) -> None:
        # Listings that became pending get their connection's stock drain after the commit.
        from omnichannel.channels.tasks import on_listings_pending
        from omnichannel.inventory.targets import listings_pending

        listings_pending.connect(on_listings_pending, dispatch_uid="channels.drain_on_pending")
