"""choose_slot: cut-offs, days off, timezones, fixed and earliest slots, offered slots, couriers.

Friday 2026-03-06 is the reference day; the next working day after it is Monday 03-09.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from omnichannel.errors import Unprocessable
from omnichannel.fulfillment.models import PickupRule
from omnichannel.fulfillment.pickup import (
    OfferedSlot,
    choose_slot,
    most_specific,
    offered_from_channel,
)
from omnichannel.unified.shipments import PickupSlot

JKT = ZoneInfo("Asia/Jakarta")


def jakarta(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in March 2026, Jakarta time."""
    return datetime(2026, 3, day, hour, minute, tzinfo=JKT)


def rule(**fields) -> PickupRule:
    return PickupRule(**{"cutoff_time": time(14, 0), **fields})


# --- computed from the rule -------------------------------------------------------------


def test_order_ready_before_the_cutoff_is_picked_up_the_same_day_once_prepared():
    choice = choose_slot(rule(preparation_minutes=90), jakarta(6, 10))
    assert (choice.source, choice.start, choice.end) == ("rule", jakarta(6, 11, 30), jakarta(6, 17))


def test_order_ready_exactly_at_the_cutoff_still_goes_the_same_day():
    assert choose_slot(rule(), jakarta(6, 14)).start == jakarta(6, 14)


def test_order_ready_after_the_cutoff_on_friday_goes_on_monday_at_the_window_start():
    choice = choose_slot(rule(), jakarta(6, 14, 1))
    assert choice.start == jakarta(9, 9)
    assert any("cut-off" in reason for reason in choice.reasons)


def test_order_ready_on_a_weekend_goes_on_the_next_working_day():
    assert choose_slot(rule(), jakarta(7, 8)).start == jakarta(9, 9)
    assert choose_slot(rule(), jakarta(8, 20)).start == jakarta(9, 9)


def test_saturday_counts_when_it_is_a_working_day():
    six_days = rule(working_days=[1, 2, 3, 4, 5, 6])
    assert choose_slot(six_days, jakarta(6, 15)).start == jakarta(7, 9)


def test_order_ready_before_pickups_start_waits_for_the_window():
    assert choose_slot(rule(), jakarta(6, 2)).start == jakarta(6, 9)


def test_preparation_running_past_the_window_moves_to_the_next_working_day():
    choice = choose_slot(rule(preparation_minutes=4 * 60), jakarta(6, 13, 30))
    assert choice.start == jakarta(9, 9)


def test_cutoff_is_read_in_the_rules_timezone():
    ready = datetime(2026, 3, 5, 6, 30, tzinfo=UTC)  # 13:30 in Jakarta, 15:30 in Tokyo
    assert choose_slot(rule(), ready).start == jakarta(5, 13, 30)
    tokyo = choose_slot(rule(timezone="Asia/Tokyo"), ready)
    assert tokyo.start == datetime(2026, 3, 6, 9, tzinfo=ZoneInfo("Asia/Tokyo"))


def test_fixed_daily_slot_today_when_ready_in_time_else_the_next_working_day():
    fixed = rule(slot_preference="fixed", fixed_slot_time=time(15, 0), cutoff_time=None)
    assert choose_slot(fixed, jakarta(5, 10)).start == jakarta(5, 15)
    assert choose_slot(fixed, jakarta(5, 16)).start == jakarta(6, 15)
    assert choose_slot(fixed, jakarta(6, 15, 30)).start == jakarta(9, 15)


def test_dropoff_rule_says_when_to_bring_the_parcel():
    choice = choose_slot(rule(mode="dropoff"), jakarta(6, 10))
    assert (choice.mode, choice.start) == ("dropoff", jakarta(6, 10))


def test_a_naive_ready_time_is_refused():
    with pytest.raises(ValueError):
        choose_slot(rule(), datetime(2026, 3, 6, 10))


def test_an_unknown_timezone_is_refused_with_a_code():
    with pytest.raises(Unprocessable) as refused:
        choose_slot(rule(timezone="Mars/Olympus"), jakarta(6, 10))
    assert refused.value.code == "pickup.invalid_timezone"


# --- offered by the channel -------------------------------------------------------------

MORNING = OfferedSlot("s-fri-am", jakarta(6, 9), jakarta(6, 12))
AFTERNOON = OfferedSlot("s-fri-pm", jakarta(6, 13), jakarta(6, 17))
SATURDAY = OfferedSlot("s-sat", jakarta(7, 9), jakarta(7, 12))
MONDAY = OfferedSlot("s-mon-am", jakarta(9, 9), jakarta(9, 12))


def test_earliest_offered_slot_still_open_when_the_parcel_is_ready():
    choice = choose_slot(rule(), jakarta(6, 12, 30), [MONDAY, AFTERNOON, MORNING])
    assert (choice.source, choice.slot_id, choice.start) == ("offered", "s-fri-pm", jakarta(6, 13))


def test_offered_slots_on_days_off_and_before_the_cutoff_day_are_skipped():
    choice = choose_slot(rule(), jakarta(6, 15), [MORNING, AFTERNOON, SATURDAY, MONDAY])
    assert choice.slot_id == "s-mon-am"


def test_an_offered_slot_without_an_end_lasts_its_whole_day():
    whole_friday = OfferedSlot("day-fri", jakarta(6, 0))
    choice = choose_slot(rule(), jakarta(6, 11), [whole_friday])
    assert (choice.slot_id, choice.end) == ("day-fri", jakarta(7, 0))


def test_when_no_offered_slot_fits_nothing_is_booked_and_the_reason_says_so():
    choice = choose_slot(rule(), jakarta(6, 15), [MORNING, AFTERNOON])
    assert (choice.source, choice.slot_id, choice.start) == ("none", None, None)
    assert "ask the channel" in choice.reasons[-1]


def test_fixed_preference_books_the_offered_slot_holding_the_daily_time():
    fixed = rule(slot_preference="fixed", fixed_slot_time=time(14, 0))
    choice = choose_slot(fixed, jakarta(6, 8), [MORNING, AFTERNOON])
    assert choice.slot_id == "s-fri-pm"


def test_dropoff_ignores_the_channels_pickup_slots():
    choice = choose_slot(rule(mode="dropoff"), jakarta(6, 10), [MORNING])
    assert (choice.source, choice.slot_id) == ("rule", None)


def test_unified_slots_from_a_connector_become_whole_day_offers():
    slots = offered_from_channel(
        [PickupSlot(id="t1", date=jakarta(9, 0), text="Mon"), PickupSlot(id="t2")]
    )
    assert slots == [OfferedSlot("t1", jakarta(9, 0), text="Mon")]


# --- couriers ---------------------------------------------------------------------------


def test_first_preferred_courier_that_the_channel_offers():
    prefs = rule(courier_preferences=["JNE", "SiCepat", "AnterAja"])
    assert choose_slot(prefs, jakarta(6, 10)).carrier == "JNE"
    assert choose_slot(prefs, jakarta(6, 10), carriers=["anteraja", "SICEPAT"]).carrier == "SICEPAT"
    assert choose_slot(prefs, jakarta(6, 10), carriers=["Ninja"]).carrier == "Ninja"
    assert choose_slot(rule(), jakarta(6, 10)).carrier is None


# --- which rule applies -----------------------------------------------------------------


def test_most_specific_rule_wins():
    default = PickupRule(name="default")
    by_warehouse = PickupRule(name="warehouse", warehouse_id=7)
    by_connection = PickupRule(name="connection", connection_id=3)
    both = PickupRule(name="both", connection_id=3, warehouse_id=7)
    other = PickupRule(name="other shop", connection_id=4, warehouse_id=7)
    rules = [default, by_warehouse, by_connection, both, other]

    def applying(connection_id, warehouse_id, among=rules) -> str | None:
        found = most_specific(among, connection_id, warehouse_id)
        return found.name if found else None

    assert applying(3, 7) == "both"
    assert applying(3, 8) == "connection"
    assert applying(5, 7) == "warehouse"
    assert applying(5, 8) == "default"
    assert applying(3, 7, [default, by_warehouse, by_connection]) == "connection"
    both.active = False
    assert applying(3, 7) == "connection"
    assert applying(5, 8, [by_connection]) is None


# --- properties -------------------------------------------------------------------------

ZONES = ["Asia/Jakarta", "Asia/Manila", "Asia/Bangkok", "Europe/Berlin", "America/New_York"]


@given(
    ready=st.datetimes(
        min_value=datetime(2026, 1, 1), max_value=datetime(2027, 12, 31), timezones=st.just(UTC)
    ),
    zone_name=st.sampled_from(ZONES),
    cutoff=st.times(),
    preparation=st.integers(0, 24 * 60),
    days=st.sets(st.integers(1, 7), min_size=1),
)
def test_a_computed_slot_is_never_early_never_on_a_day_off_and_inside_the_window(
    ready, zone_name, cutoff, preparation, days
):
    terms = rule(
        timezone=zone_name, cutoff_time=cutoff, preparation_minutes=preparation, working_days=days
    )
    choice = choose_slot(terms, ready)
    tz = ZoneInfo(zone_name)
    local_ready = ready.astimezone(tz)
    start = choice.start
    assert start >= ready + timedelta(minutes=preparation)
    assert start.isoweekday() in days
    assert time(9, 0) <= start.timetz().replace(tzinfo=None) <= time(17, 0)
    assert start - local_ready < timedelta(days=9)
    if local_ready.time() > cutoff:
        assert start.date() > local_ready.date()
