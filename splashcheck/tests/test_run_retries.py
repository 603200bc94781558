"""Retries are recorded (issue 8): a dead session or a restarted Appium server shows in verdict.json."""

from __future__ import annotations

import json
import sys
import types
from pathlib import Path

import pytest

from harness.device import AppResult, AppSpec, DeviceError
from splashcheck import report

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def plugin(monkeypatch):
    from splashcheck import plugin as mod

    return mod


class _Servers:
    def __init__(self):
        self.events = []


class _Pool:
    def __init__(self, servers, restart_on_get=False):
        self.servers, self.discarded, self.gets, self.restart = servers, 0, 0, restart_on_get

    def get(self, name):
        self.gets += 1
        if self.gets == 2 and self.restart:
            self.servers.events.append("the local Appium server at http://127.0.0.1:1 had died; restarted at x")
        return object()

    def discard(self, name):
        self.discarded += 1


def _request():
    cfg = types.SimpleNamespace(pluginmanager=types.SimpleNamespace(get_plugin=lambda n: None),
                                get_verbosity=lambda: 0)
    return types.SimpleNamespace(config=cfg)


def _plan(tmp_path):
    return types.SimpleNamespace(out_dir=tmp_path, profile=None)


@pytest.mark.parametrize("restart", [False, True])
def test_one_retry_is_recorded_with_its_recovery(plugin, tmp_path, restart):
    calls = []

    def check_app(device, app, **kw):
        calls.append(1)
        if len(calls) == 1:
            raise DeviceError("device 'phone': the session died during launching x: chromedriver gone")
        return AppResult(device="phone", app=app.id)

    pool = _Pool(_Servers(), restart_on_get=restart)
    res = plugin._run_check(_request(), "phone", AppSpec(id="x", url="https://x/"), _plan(tmp_path), pool, check_app)
    assert res.error is None and pool.discarded == 1
    retries = json.loads(res.artifacts["retries"])
    assert retries["count"] == 1 and "chromedriver gone" in retries["events"][0]["error"]
    assert ("restarted" in retries["events"][0]["recovery"]) is restart
    record = report.run_record(res, app_given="x", out_dir=tmp_path)
    assert record["artifacts"]["retries"]["count"] == 1  # verdict.json holds it as JSON, not a string


def test_no_retry_no_record(plugin, tmp_path):
    pool = _Pool(_Servers())
    res = plugin._run_check(_request(), "phone", AppSpec(id="x", url="https://x/"), _plan(tmp_path), pool,
                            lambda device, app, **kw: AppResult(device="phone", app=app.id))
    assert "retries" not in res.artifacts


def test_two_failures_keep_the_error_and_the_retry(plugin, tmp_path):
    def check_app(device, app, **kw):
        raise DeviceError("server gone")

    res = plugin._run_check(_request(), "phone", AppSpec(id="x", url="https://x/"), _plan(tmp_path),
                            _Pool(_Servers()), check_app)
    assert "after one retry" in res.error and json.loads(res.artifacts["retries"])["count"] == 1
