"""The SQLite backend queues writers on ``<database>.lock``: a transaction holds the lock
from BEGIN to COMMIT or ROLLBACK, and only then may the next writer begin."""

from __future__ import annotations

import fcntl
import os
import threading

import pytest
from django.db import connection, connections, transaction

from omnichannel.tenants.models import Tenant

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "sqlite", reason="the SQLite backend only"),
]


def lock_is_free() -> bool:
    """True when another writer could take its turn now."""
    descriptor = os.open(f"{connection.settings_dict['NAME']}.lock", os.O_RDWR | os.O_CREAT)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    finally:
        os.close(descriptor)
    return True


def test_a_transaction_holds_the_write_turn_until_it_commits() -> None:
    assert lock_is_free()
    with transaction.atomic():
        Tenant.objects.create(name="holder")
        assert not lock_is_free()
    assert lock_is_free()
    assert Tenant.objects.filter(name="holder").exists()


def test_a_rolled_back_transaction_gives_the_turn_back() -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        Tenant.objects.create(name="rolled back")
        raise RuntimeError("boom")
    assert lock_is_free()
    assert not Tenant.objects.filter(name="rolled back").exists()


def test_closing_a_connection_mid_transaction_gives_the_turn_back() -> None:
    transaction.set_autocommit(False)  # what atomic() does on entry, left open
    connection._start_transaction_under_autocommit()
    assert not lock_is_free()
    connection.close()
    assert lock_is_free()


def test_a_second_writer_waits_for_the_first_then_proceeds() -> None:
    """The waiter blocks on the lock (not on SQLite's busy handler) and runs as soon as
    the holder commits: both rows are written, in turn."""
    order: list[str] = []
    holding = threading.Event()
    release = threading.Event()

    def first() -> None:
        with transaction.atomic():
            Tenant.objects.create(name="first")
            order.append("first began")
            holding.set()
            release.wait(timeout=10)
            order.append("first commits")
        connections.close_all()

    def second() -> None:
        holding.wait(timeout=10)
        with transaction.atomic():
            order.append("second began")
            Tenant.objects.create(name="second")
        connections.close_all()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    holding.wait(timeout=10)
    threads[1].join(timeout=0.2)  # the second writer is still waiting for its turn
    assert threads[1].is_alive()
    release.set()
    for thread in threads:
        thread.join(timeout=10)
    assert order == ["first began", "first commits", "second began"]
    assert set(Tenant.objects.values_list("name", flat=True)) >= {"first", "second"}


def test_a_write_outside_a_transaction_takes_its_turn_and_gives_it_back() -> None:
    """An autocommit INSERT (a push stored, an idempotency key claimed) waits for the
    writer in turn like a transaction does, rather than in SQLite's busy handler: with the
    turn held by someone else (here the test itself), it waits until it is given back."""
    descriptor = os.open(f"{connection.settings_dict['NAME']}.lock", os.O_RDWR | os.O_CREAT)
    written: list[str] = []

    def autocommit_writer() -> None:
        Tenant.objects.create(name="autocommit")
        written.append("autocommit")
        connections.close_all()

    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX)
        writer = threading.Thread(target=autocommit_writer)
        writer.start()
        writer.join(timeout=0.3)
        assert writer.is_alive() and not written  # waiting for its turn
        Tenant.objects.filter(name="autocommit").exists()  # a read takes no turn
    finally:
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)
    writer.join(timeout=10)
    assert written == ["autocommit"]
    assert lock_is_free()


@pytest.mark.parametrize("run", ["first", "again, from the cache"])
def test_placeholders_and_literal_percents_mean_what_they_mean_in_django(run):
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s || '%%', %s LIKE 'a%%'", ["5", "abc"])
        assert cursor.fetchone() == ("5%", 1)
