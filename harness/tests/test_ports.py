"""Per-worker ports: xdist workers of one run never pick the same Appium/chromedriver port."""

from __future__ import annotations

import socket

import pytest

from harness import appium_server
from harness.appium_server import WORKER_PORT_BASE, WORKER_PORT_SPAN, free_port


@pytest.mark.parametrize("worker, k", [("gw0", 0), ("gw1", 1), ("gw5", 5)])
def test_a_worker_takes_ports_from_its_own_range(monkeypatch, worker, k):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
    ports = [free_port() for _ in range(20)]
    lo = WORKER_PORT_BASE + k * WORKER_PORT_SPAN
    assert all(lo <= p < lo + WORKER_PORT_SPAN for p in ports)
    assert len(set(ports)) == 20  # two devices of one worker get different chromedriver ports too


def test_ranges_of_two_workers_are_disjoint_and_below_the_ephemeral_range(monkeypatch):
    seen = {}
    for worker in ("gw0", "gw1"):
        monkeypatch.setenv("PYTEST_XDIST_WORKER", worker)
        seen[worker] = {free_port() for _ in range(WORKER_PORT_SPAN)}  # the whole range, once round
    assert not seen["gw0"] & seen["gw1"]
    assert max(seen["gw1"]) < 32768


def test_a_taken_port_is_skipped(monkeypatch):
    monkeypatch.setenv("PYTEST_XDIST_WORKER", "gw2")
    monkeypatch.setattr(appium_server, "_next_offset", [0])
    taken = WORKER_PORT_BASE + 2 * WORKER_PORT_SPAN
    with socket.socket() as s:
        try:
            s.bind(("127.0.0.1", taken))
        except OSError:
            pytest.skip(f"port {taken} is in use on this machine")
        s.listen()
        assert free_port() == taken + 1


def test_outside_xdist_the_os_picks(monkeypatch):
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    assert free_port() >= 1024
