"""nncore.forked: an iterator run in a forked child process, its items received in order."""
import itertools
import os
import signal

import pytest

from nncore.forked import FORK_AVAILABLE, ForkedProducer

pytestmark = pytest.mark.skipif(not FORK_AVAILABLE, reason="run_mnist uses fork on Linux only")


def ended(pid):
    """Whether process ``pid`` is gone (reaped)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


def receive_all(producer):
    items = []
    while not producer.finished:
        item = producer.receive()
        if item is not None:
            items.append(item)
    return items


def test_items_arrive_in_order_and_the_child_is_reaped():
    state = {"parent": os.getpid()}
    producer = ForkedProducer(lambda: ((i, os.getpid() != state["parent"]) for i in range(5)))
    pid = producer.pid
    try:
        assert receive_all(producer) == [(i, True) for i in range(5)]  # made in another process
    finally:
        producer.close()
    assert ended(pid)


def test_an_exception_in_the_child_is_raised_by_receive():
    def produce():
        yield 1
        raise ValueError("bad batch size")

    producer = ForkedProducer(produce)
    try:
        assert producer.receive() == 1
        with pytest.raises(ValueError, match="bad batch size"):
            producer.receive()
        assert producer.finished
    finally:
        producer.close()


def test_a_child_that_dies_fails_the_receive_with_its_exit_status():
    producer = ForkedProducer(lambda: itertools.count())
    try:
        producer.receive()
        os.kill(producer.pid, signal.SIGKILL)
        with pytest.raises(ChildProcessError, match="ended unexpectedly"):
            receive_all(producer)
    finally:
        producer.close()


def test_close_mid_stream_ends_an_endless_child_that_ignores_sigterm():
    producer = ForkedProducer(lambda: itertools.count())
    pid = producer.pid
    assert producer.receive() == 0
    os.kill(pid, signal.SIGTERM)  # ignored: the parent decides when the child ends
    for _ in range(20_000):  # more than the pipe holds: most were sent after the signal
        producer.receive()
    producer.close()  # the child's next send fails on the closed pipe
    assert ended(pid)


def test_wait_returns_the_producer_with_an_item_while_another_has_none():
    """run_mnist waits on all groups at once: a group sending a large span (more than a pipe
    holds) must be read while another group has nothing to send yet."""
    from multiprocessing.connection import wait

    gate_read, gate_write = os.pipe()

    def slow():
        os.read(gate_read, 1)  # nothing until the test opens the gate
        yield "late"

    quiet = ForkedProducer(slow)
    busy = ForkedProducer(lambda: iter([b"x" * 1_000_000]))
    try:
        assert wait([quiet, busy], timeout=60) == [busy]
        assert busy.receive() == b"x" * 1_000_000
        os.write(gate_write, b"g")
        assert wait([quiet], timeout=60) == [quiet] and quiet.receive() == "late"
    finally:
        busy.close()
        quiet.close()
        os.close(gate_read)
        os.close(gate_write)
