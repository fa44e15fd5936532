"""Pickup rules: which rule applies to an order, and which slot, mode and courier it picks.

``choose_slot`` is pure — no database, no clock — so the simulator, the automatic mode and
the tests all get the same answer for the same inputs, with the reasons written out.
Times are computed in the rule's own timezone (a cut-off of 14:00 means 14:00 in Jakarta
for a Jakarta warehouse, whatever the server's clock says) and returned as aware datetimes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from omnichannel.errors import Unprocessable
from omnichannel.fulfillment.models import PickupRule
from omnichannel.unified.shipments import PickupSlot

Mode = PickupRule.Mode
Preference = PickupRule.SlotPreference


@dataclass(frozen=True)
class OfferedSlot:
    """A pickup slot a channel offers. A slot without an end lasts to the end of its day
    (Shopee's time_slot_list gives a day, not a window)."""

    id: str
    start: datetime
    end: datetime | None = None
    text: str = ""


@dataclass
class SlotChoice:
    """What a rule decides for one ready order, and why.

    ``source`` says where the slot comes from: ``offered`` (one of the channel's slots,
    ``slot_id`` is what to book), ``rule`` (computed from the rule: no slots offered, or a
    drop-off), or ``none`` (slots were offered but none fits; ask the channel again).
    """

    mode: str
    source: str
    start: datetime | None
    end: datetime | None
    slot_id: str | None
    carrier: str | None
    reasons: list[str] = field(default_factory=list)


def zone(name: str) -> ZoneInfo:
    """The timezone named ``name``, or ``pickup.invalid_timezone``."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise Unprocessable(
            f"Unknown timezone '{name}'; use an IANA name such as Asia/Jakarta.",
            code="pickup.invalid_timezone",
            details={"timezone": name},
        ) from exc


def offered_from_channel(slots: Iterable[PickupSlot]) -> list[OfferedSlot]:
    """The unified slots a connector reports (``ShippingOptions``), as choosable slots."""
    return [
        OfferedSlot(id=slot.id, start=slot.date, text=slot.text or "")
        for slot in slots
        if slot.date is not None
    ]


# --- which rule ----------------------------------------------------------------------


def specificity(rule: PickupRule) -> int:
    """connection + warehouse (3) > connection (2) > warehouse (1) > tenant default (0)."""
    return 2 * bool(rule.connection_id) + bool(rule.warehouse_id)


def most_specific(
    rules: Iterable[PickupRule], connection_id: int | None, warehouse_id: int | None
) -> PickupRule | None:
    """The rule that applies to an order of ``connection_id`` leaving ``warehouse_id``."""
    matching = [
        rule
        for rule in rules
        if rule.active
        and rule.connection_id in (None, connection_id)
        and rule.warehouse_id in (None, warehouse_id)
    ]
    return max(matching, key=specificity, default=None)


# --- which day and time ----------------------------------------------------------------


def fmt(moment: datetime) -> str:
    return moment.strftime("%a %Y-%m-%d %H:%M")


def at(day: date, clock: time, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, clock, tzinfo=tz)


def working(rule: PickupRule, day: date) -> bool:
    return day.isoweekday() in rule.working_days


def next_working_day(rule: PickupRule, after: date) -> date:
    """The first working day strictly after ``after``."""
    day = after + timedelta(days=1)
    for _ in range(7):
        if working(rule, day):
            return day
        day += timedelta(days=1)
    raise Unprocessable("A pickup rule needs at least one working day.", code="pickup.no_workdays")


def earliest_handover(rule: PickupRule, ready: datetime, reasons: list[str]) -> datetime:
    """The first local moment the parcel can be handed over: on a working day, by the
    cut-off, after the preparation time, inside the day's pickup window."""
    tz = ready.tzinfo
    assert isinstance(tz, ZoneInfo)
    prepared = ready + timedelta(minutes=rule.preparation_minutes)
    if rule.preparation_minutes:
        reasons.append(f"{rule.preparation_minutes} min preparation: parcel ready {fmt(prepared)}")
    day = ready.date()
    if not working(rule, day):
        day = next_working_day(rule, day)
        reasons.append(f"{ready:%A} is not a working day: moved to {day:%a %Y-%m-%d}")
    elif rule.cutoff_time and ready.time() > rule.cutoff_time:
        day = next_working_day(rule, day)
        reasons.append(
            f"ready after the {rule.cutoff_time:%H:%M} cut-off: moved to {day:%a %Y-%m-%d}"
        )
    while True:
        earliest = max(prepared, at(day, rule.pickup_window_start, tz))
        if earliest <= at(day, rule.pickup_window_end, tz):
            return earliest
        reasons.append(
            f"not ready before the {rule.pickup_window_end:%H:%M} end of pickups on "
            f"{day:%a %Y-%m-%d}"
        )
        day = next_working_day(rule, day)


def fixed_target(rule: PickupRule, earliest: datetime) -> datetime:
    """The rule's daily slot on the first working day it can still be met."""
    tz = earliest.tzinfo
    assert isinstance(tz, ZoneInfo) and rule.fixed_slot_time is not None
    day = earliest.date()
    while at(day, rule.fixed_slot_time, tz) < earliest or not working(rule, day):
        day = next_working_day(rule, day)
    return at(day, rule.fixed_slot_time, tz)


# --- the choice -------------------------------------------------------------------------


def choose_carrier(
    preferences: Sequence[str], available: Sequence[str] | None, reasons: list[str]
) -> str | None:
    """The most preferred carrier that is available (compared case-insensitively)."""
    if available is None:
        if preferences:
            reasons.append(f"courier: {preferences[0]} (first preference)")
            return preferences[0]
        reasons.append("courier: no preference, the channel's default")
        return None
    offered = {carrier.lower(): carrier for carrier in available}
    for rank, wanted in enumerate(preferences, start=1):
        if wanted.lower() in offered:
            reasons.append(f"courier: {offered[wanted.lower()]} (preference {rank} available)")
            return offered[wanted.lower()]
    if available:
        reasons.append(f"courier: {available[0]} (no preferred courier offered)")
        return available[0]
    reasons.append("courier: none offered")
    return None


def slot_end(slot: OfferedSlot, tz: ZoneInfo) -> datetime:
    if slot.end is not None:
        return slot.end.astimezone(tz)
    return at(slot.start.astimezone(tz).date() + timedelta(days=1), time(0), tz)


def pick_offered(
    rule: PickupRule, earliest: datetime, offered: Sequence[OfferedSlot], reasons: list[str]
) -> OfferedSlot | None:
    """The channel's slot to book: among those open once the parcel is ready on a working
    day, the first one (earliest preference) or the one that holds the daily slot time."""
    tz = earliest.tzinfo
    assert isinstance(tz, ZoneInfo)
    ordered = sorted(offered, key=lambda slot: slot.start)
    usable = [
        slot
        for slot in ordered
        if slot_end(slot, tz) > earliest and working(rule, slot.start.astimezone(tz).date())
    ]
    skipped = len(ordered) - len(usable)
    if skipped:
        reasons.append(f"{skipped} offered slot(s) end before {fmt(earliest)} or fall on days off")
    if not usable:
        return None
    if rule.slot_preference == Preference.FIXED and rule.fixed_slot_time:
        target = fixed_target(rule, earliest)
        for slot in usable:
            if slot.start.astimezone(tz) <= target < slot_end(slot, tz):
                reasons.append(f"offered slot {slot.id} holds the daily {fmt(target)} slot")
                return slot
        for slot in usable:
            if slot.start.astimezone(tz) >= target:
                reasons.append(f"offered slot {slot.id} is the first after {fmt(target)}")
                return slot
        reasons.append(f"no offered slot at or after {fmt(target)}: taking the earliest")
    else:
        reasons.append(f"offered slot {usable[0].id} is the earliest open after ready")
    return usable[0]


def choose_slot(
    rule: PickupRule,
    ready_at: datetime,
    offered_slots: Sequence[OfferedSlot] | None = None,
    carriers: Sequence[str] | None = None,
) -> SlotChoice:
    """Decide how and when an order ready at ``ready_at`` leaves, under ``rule``.

    With slots offered by the channel (pickup mode) one of them is chosen, since only
    those can be booked; without, the slot is computed from the rule. Orders ready after
    the cut-off, on a day off, or too late for the day's pickup window go to the next
    working day. ``carriers`` are the couriers the channel offers, if known.
    """
    if ready_at.tzinfo is None:
        raise ValueError("ready_at must be timezone-aware")
    tz = zone(rule.timezone)
    if rule.pickup_window_start >= rule.pickup_window_end:
        raise Unprocessable(
            "The pickup window must start before it ends.", code="pickup.invalid_window"
        )
    ready = ready_at.astimezone(tz)
    reasons = [f"{rule.get_mode_display().lower()}; ready {fmt(ready)} {rule.timezone}"]
    earliest = earliest_handover(rule, ready, reasons)
    carrier = choose_carrier(rule.courier_preferences or [], carriers, reasons)
    choice = SlotChoice(str(rule.mode), "rule", None, None, None, carrier, reasons)

    if offered_slots and rule.mode == Mode.PICKUP:
        slot = pick_offered(rule, earliest, offered_slots, reasons)
        if slot is None:
            reasons.append("no offered slot fits: ask the channel for later slots")
            choice.source = "none"
            return choice
        choice.source, choice.slot_id = "offered", slot.id
        choice.start, choice.end = slot.start.astimezone(tz), slot_end(slot, tz)
        return choice
    if offered_slots:
        reasons.append("drop-off: the channel's pickup slots are not used")

    day_end = at(earliest.date(), rule.pickup_window_end, tz)
    if rule.slot_preference == Preference.FIXED and rule.fixed_slot_time:
        choice.start = fixed_target(rule, earliest)
        reasons.append(f"daily slot {rule.fixed_slot_time:%H:%M}: {fmt(choice.start)}")
    else:
        choice.start, choice.end = earliest, day_end
        reasons.append(f"earliest slot: {fmt(earliest)} to {day_end:%H:%M}")
    return choice
