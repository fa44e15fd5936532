"""Capabilities follow from what a connector implements; the registry finds connectors."""

from __future__ import annotations

import pytest

from omnichannel.connectors.base import (
    CAPABILITIES,
    CatalogReading,
    Connector,
    StockWriting,
    capabilities,
    chunked,
    connector_class,
    require,
)
from omnichannel.connectors.errors import CapabilityUnsupported
from omnichannel.connectors.shopee import ShopeeConnector


class StockOnly(Connector, StockWriting):
    channel = "pos"

    def push_stock(self, updates):
        return []


class HalfCatalog(Connector, CatalogReading):
    def categories(self):
        return []


def test_a_connector_has_exactly_the_capabilities_it_implements():
    assert capabilities(StockOnly) == {"stock_push"}


def test_an_interface_left_partly_abstract_is_not_a_capability():
    assert capabilities(HalfCatalog) == set()


def test_shopee_implements_every_capability():
    assert capabilities(ShopeeConnector) == set(CAPABILITIES)


def test_asking_for_a_missing_capability_is_refused_with_a_stable_code():
    connector = StockOnly.__new__(StockOnly)

    with pytest.raises(CapabilityUnsupported) as raised:
        require(connector, "orders")
    assert raised.value.code == "capability.unsupported"


def test_the_registry_maps_channel_keys_to_connector_classes():
    assert connector_class("shopee") is ShopeeConnector
    with pytest.raises(CapabilityUnsupported):
        connector_class("nowhere")


def test_chunked_respects_batch_limits():
    assert list(chunked(range(5), 2)) == [[0, 1], [2, 3], [4]]
