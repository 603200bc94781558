"""Load and validate ``devices.yaml`` and ``apps.yaml`` into typed records.

Every mistake is reported with the file, the line and what is wrong (all mistakes of a file at
once), e.g. ``devices.yaml:14: device 'pixel': platform must be one of chromium, android, ios
(got 'andriod')``. Line numbers come from the YAML nodes' marks.

Public API
----------
- :class:`DeviceConfig`, :func:`load_devices` (``devices.yaml``)
- :func:`load_apps` (``apps.yaml`` → ``dict[id, AppSpec]``), :func:`load_gallery` (``demo_apps/``)
- :func:`resolve_app` (a CLI ``--app`` argument → :class:`~harness.device.AppSpec`)
- :func:`default_capabilities` (per-platform defaults the file's capabilities are merged over)
- :class:`ConfigError`
"""

from __future__ import annotations

import copy
import difflib
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Mapping
from urllib.parse import urlparse

import yaml

from detectors.yamlsafe import LineMap, LineSeq, YamlLimitError, load_config_yaml, read_config_text
from harness.device import AppSpec, Platform

PROJECT_ROOT = Path(__file__).resolve().parents[1]
DEFAULT_DEVICES = PROJECT_ROOT / "devices.yaml"
DEFAULT_APPS = PROJECT_ROOT / "apps.yaml"

PLATFORMS: tuple[str, ...] = ("chromium", "android", "ios")
OUTCOMES: tuple[str, ...] = ("violation", "needs_review", "pass", "not_applicable", "not_run")

# Browser binaries of Debian's chromium / chromium-driver packages (scripts/setup.sh installs them).
CHROMIUM_BINARY = "/usr/bin/chromium"
CHROMEDRIVER_BINARY = "/usr/bin/chromedriver"
# A phone user agent so pages take their mobile code paths (UA sniffing) under mobile emulation.
MOBILE_USER_AGENT = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 7) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/156.0.0.0 Mobile Safari/537.36"
)
# Plain-Chromium flags for a quiet, reproducible headless browser on a server (no GPU, no sandbox as
# root, no network chatter, no first-run UI). --force-device-scale-factor is added per device so
# that CDP screencast frames come at device pixels, like screenshots.
CHROMIUM_ARGS: tuple[str, ...] = (
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--no-first-run",
    "--no-default-browser-check",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--disable-features=Translate,MediaRouter,OptimizationHints",
    "--hide-scrollbars",
    "--mute-audio",
)
# Seconds of silence before Appium drops a session: long enough for OCR-heavy analysis between
# commands, short enough that an abandoned session frees its emulator within minutes.
NEW_COMMAND_TIMEOUT_S = 300

# W3C capability names that need no vendor prefix.
W3C_CAPABILITIES = frozenset({
    "platformName", "browserName", "browserVersion", "pageLoadStrategy", "acceptInsecureCerts",
    "proxy", "timeouts", "unhandledPromptBehavior", "strictFileInteractability", "setWindowRect",
    "webSocketUrl", "userAgent",
})
# automationName values each platform accepts (compared case-insensitively).
AUTOMATION_NAMES: dict[str, tuple[str, ...]] = {
    "chromium": ("chromium",),
    "android": ("uiautomator2", "espresso"),
    "ios": ("xcuitest",),
}
_NAME_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


# --------------------------------------------------------------------------------------- errors
# Problems a ConfigError message lists (all of them stay in ``ConfigError.problems``).
MAX_PROBLEMS_SHOWN = 20


@dataclass(frozen=True)
class ConfigProblem:
    file: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.file}:{self.line}: {self.message}"


class ConfigError(ValueError):
    """One or more mistakes in a configuration file; ``problems`` lists them with file and line."""

    def __init__(self, problems: list[ConfigProblem]):
        self.problems = list(problems)
        if len(self.problems) == 1:
            msg = _clip(str(self.problems[0]), 500)
        else:
            # A hostile or generated file can hold 100 000 mistakes: list the first ones only.
            files = sorted({p.file for p in self.problems})
            shown = self.problems[:MAX_PROBLEMS_SHOWN]
            msg = f"{len(self.problems)} problems in {', '.join(files)}:\n" + "\n".join(
                f"  {_clip(str(p), 500)}" for p in shown)
            if len(self.problems) > len(shown):
                msg += f"\n  … and {len(self.problems) - len(shown)} more"
        super().__init__(msg)


def _display(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


# ----------------------------------------------------------------------- YAML with line numbers
# The loader (line numbers, duplicate keys, and size / alias / depth limits against hostile files)
# is shared with the rule profiles.
_Map = LineMap
_Seq = LineSeq


def _read_yaml(path: Path, ctx: "_Ctx") -> Any:
    file = _display(path)
    try:
        text = read_config_text(path)
    except FileNotFoundError:
        raise ConfigError([ConfigProblem(file, 0, "file not found")]) from None
    except IsADirectoryError:
        raise ConfigError([ConfigProblem(file, 0, "is a folder, not a YAML file")]) from None
    except YamlLimitError as exc:
        raise ConfigError([ConfigProblem(file, exc.line, exc.message)]) from None
    except OSError as exc:
        raise ConfigError([ConfigProblem(file, 0, f"cannot read: {exc.strerror or exc}")]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError([ConfigProblem(file, 0, f"not UTF-8 text ({exc.reason})")]) from None
    try:
        data, duplicates = load_config_yaml(text)
    except YamlLimitError as exc:
        raise ConfigError([ConfigProblem(file, exc.line, exc.message)]) from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else 0
        what = " ".join(x for x in (exc.context, exc.problem) if x)
        raise ConfigError([ConfigProblem(file, line, f"YAML syntax error: {_clip(what)}")]) from None
    except yaml.YAMLError as exc:  # pragma: no cover - non-marked YAML errors are rare
        raise ConfigError([ConfigProblem(file, 0, f"YAML error: {_clip(str(exc))}")]) from None
    for line, key in duplicates:
        ctx.error(line, f"duplicate key {_clip(repr(key))} (YAML keeps only the last one)")
    return data


def _clip(text: str, limit: int = 200) -> str:
    """A value quoted in a message, cut to ``limit`` characters (a hostile file can hold megabytes)."""
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def short_list(names: Iterable[Any], limit: int = 10) -> str:
    """``a, b, c`` — at most ``limit`` names, then how many more."""
    names = [str(n) for n in names]
    shown = ", ".join(_clip(n, 60) for n in names[:limit])
    return shown + (f", … ({len(names) - limit} more)" if len(names) > limit else "")


class _Ctx:
    """Collects problems of one file."""

    def __init__(self, path: Path):
        self.path = path
        self.file = _display(path)
        self.problems: list[ConfigProblem] = []

    def error(self, line: int, message: str) -> None:
        self.problems.append(ConfigProblem(self.file, line, message))

    def raise_if_any(self) -> None:
        if self.problems:
            raise ConfigError(sorted(self.problems, key=lambda p: (p.file, p.line)))


def _head(m: Any) -> int:
    """Line to report a problem of a whole mapping at: its key's line if it has one."""
    return getattr(m, "owner_line", 0) or getattr(m, "line", 0)


def _line(obj: Any, key: Any = None) -> int:
    if isinstance(obj, _Map):
        return obj.line_of(key) if key is not None else obj.line
    return getattr(obj, "line", 0)


def _unknown_keys(ctx: _Ctx, m: _Map, allowed: Iterable[str], where: str) -> None:
    allowed = list(allowed)
    for key in m:
        if isinstance(key, str) and key.startswith("x-"):
            continue  # extension keys hold YAML anchors (as in docker compose files)
        if key not in allowed:
            close = difflib.get_close_matches(str(key), allowed, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else f" (allowed: {', '.join(allowed)})"
            ctx.error(m.key_lines.get(key, m.line), f"{where}: unknown key {_clip(repr(key))}{hint}")


def _bool_hint(key: Any) -> str:
    if isinstance(key, bool) or key is None:
        return " (YAML reads unquoted yes/no/on/off/true/false/null as booleans: quote the name)"
    return ""


def _type_name(value: Any) -> str:
    if value is None:
        return "nothing"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, (int, float)):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "a mapping"
    return type(value).__name__


def _plain(value: Any) -> Any:
    """Strip the line-number wrappers (so capabilities serialise as plain JSON)."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


# ---------------------------------------------------------------------------------- devices
@dataclass(frozen=True)
class DeviceConfig:
    """One named device of ``devices.yaml``.

    Attributes
    ----------
    name : str
        Stable id (used in test ids and file names).
    platform : {"chromium", "android", "ios"}
    endpoint : str
        ``"local"`` (splashcheck starts an Appium server on a free loopback port) or the URL of an
        Appium server or Selenium Grid hub.
    grid : bool
        The endpoint is a Selenium Grid hub relaying to Appium nodes.
    width, height : int or None
        Screen size in dp (CSS px for Chromium; points for iOS). Required for Chromium.
    density : float
        Device pixels per dp (CSS ``devicePixelRatio``; Android ``dpi / 160``; iOS scale).
    capabilities : dict
        The W3C capabilities sent to Appium: per-platform defaults with the file's values merged
        over them. Per-session extras (user-data dir, chromedriver port) are added at session start.
    clear_state : bool
        Wipe app data before each launch (cold start) where the platform allows.
    """

    name: str
    platform: Platform
    endpoint: str = "local"
    grid: bool = False
    width: int | None = None
    height: int | None = None
    density: float = 1.0
    capabilities: dict[str, Any] = field(default_factory=dict)
    enabled: bool = True
    clear_state: bool = True
    description: str = ""
    source: str = ""
    """``file:line`` where the device is defined."""

    @property
    def is_local(self) -> bool:
        return self.endpoint == "local"

    @property
    def screen_px(self) -> tuple[int, int] | None:
        """Expected screenshot size (width, height) in device pixels, when the size is known."""
        if self.width is None or self.height is None:
            return None
        return css_to_device(self.width, self.density), css_to_device(self.height, self.density)


def css_to_device(css: float, density: float) -> int:
    """CSS px (dp) → device px the way Chromium sizes its surface (round half up)."""
    return int(math.floor(css * density + 0.5))


def default_capabilities(platform: str, *, width: int | None = None, height: int | None = None,
                         density: float = 1.0) -> dict[str, Any]:
    """Capabilities every device of ``platform`` starts from (the file's values are merged over).

    Chromium: exactly the set measured to work with Appium 3.8 + chromium driver 3.1 (see
    DESIGN.md), with mobile emulation of the device's screen. Android: UiAutomator2 with a cold
    start (``noReset: false``, ``forceAppLaunch``, ``shouldTerminateApp``) and permissions granted
    so that system permission dialogs do not pass for app pop-ups. iOS: XCUITest, same cold start.
    """
    if platform == "chromium":
        args = list(CHROMIUM_ARGS)
        args.append(f"--force-device-scale-factor={density:g}")
        metrics: dict[str, Any] = {"pixelRatio": density, "touch": True}
        if width is not None and height is not None:
            metrics.update(width=width, height=height)
        return {
            "platformName": "linux",
            "browserName": "chrome",  # the chromium driver matches "chrome", not "chromium"
            "appium:automationName": "Chromium",
            "appium:executable": CHROMEDRIVER_BINARY,
            "appium:newCommandTimeout": NEW_COMMAND_TIMEOUT_S,
            # launch() returns at DOMContentLoaded so that capture starts while the splash paints
            "pageLoadStrategy": "eager",
            "goog:chromeOptions": {
                "binary": CHROMIUM_BINARY,
                "args": args,
                "mobileEmulation": {"deviceMetrics": metrics, "userAgent": MOBILE_USER_AGENT},
            },
        }
    if platform == "android":
        return {
            "platformName": "Android",
            "appium:automationName": "UiAutomator2",
            "appium:newCommandTimeout": NEW_COMMAND_TIMEOUT_S,
            "appium:noReset": False,
            "appium:fullReset": False,
            "appium:forceAppLaunch": True,
            "appium:shouldTerminateApp": True,
            "appium:autoGrantPermissions": True,
            "appium:disableWindowAnimation": True,
        }
    if platform == "ios":
        return {
            "platformName": "iOS",
            "appium:automationName": "XCUITest",
            "appium:newCommandTimeout": NEW_COMMAND_TIMEOUT_S,
            "appium:noReset": False,
            "appium:forceAppLaunch": True,
            "appium:shouldTerminateApp": True,
        }
    raise ValueError(f"platform must be one of {', '.join(PLATFORMS)} (got {platform!r})")


def _flag_name(arg: str) -> str:
    return arg.split("=", 1)[0]


def merge_capabilities(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    """Deep-merge ``over`` onto ``base``; a ``None`` value removes a default.

    ``goog:chromeOptions.args`` merge by flag name: ``--lang=en`` replaces the default ``--lang=…``,
    ``--no-headless`` style removals are not needed because a flag can be removed with ``"-<flag>"``
    (e.g. ``"---hide-scrollbars"`` removes ``--hide-scrollbars``).
    """
    out = copy.deepcopy(dict(base))
    for key, value in over.items():
        if value is None:
            out.pop(key, None)
        elif isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = merge_capabilities(out[key], value)
        elif key == "args" and isinstance(value, list) and isinstance(out.get(key), list):
            args = list(out[key])
            for arg in value:
                arg = str(arg)
                if arg.startswith("-") and arg[1:].startswith("--"):  # "-<flag>" removes a default
                    args = [a for a in args if _flag_name(a) != _flag_name(arg[1:])]
                    continue
                args = [a for a in args if _flag_name(a) != _flag_name(arg)] + [arg]
            out[key] = args
        else:
            out[key] = copy.deepcopy(_plain(value))
    return out


_DEVICE_KEYS = ("platform", "endpoint", "grid", "enabled", "description", "screen", "capabilities",
                "clear_state")
_SCREEN_KEYS = ("width", "height", "density")


def _check_url(value: str) -> str | None:
    """Why ``value`` is not a usable http(s) endpoint URL, or None."""
    parsed = urlparse(value)
    if parsed.scheme not in ("http", "https"):
        return "must be 'local' or an http(s) URL such as http://127.0.0.1:4723"
    if not parsed.hostname:
        return "URL has no host"
    try:
        parsed.port
    except ValueError:
        return "URL has an invalid port"
    return None


def _number(ctx: _Ctx, m: _Map, key: str, where: str, *, integer: bool, lo: float, hi: float,
            required: bool) -> float | int | None:
    if key not in m or m[key] is None:
        if required:
            ctx.error(_head(m), f"{where}: missing {key!r}")
        return None
    value = m[key]
    ok_type = isinstance(value, int) if integer else isinstance(value, (int, float))
    if isinstance(value, bool) or not ok_type:
        kind = "a whole number" if integer else "a number"
        ctx.error(m.line_of(key), f"{where}: {key} must be {kind} (got {_type_name(value)} {value!r})")
        return None
    if not (lo <= value <= hi):
        ctx.error(m.line_of(key), f"{where}: {key} must be between {lo:g} and {hi:g} (got {value!r})")
        return None
    return value


def _bool(ctx: _Ctx, m: _Map, key: str, where: str, default: bool) -> bool:
    if key not in m:
        return default
    value = m[key]
    if not isinstance(value, bool):
        ctx.error(m.line_of(key), f"{where}: {key} must be true or false (got {value!r})")
        return default
    return value


def _str(ctx: _Ctx, m: _Map, key: str, where: str, default: str | None = None) -> str | None:
    if key not in m or m[key] is None:
        return default
    value = m[key]
    if not isinstance(value, str) or not value.strip():
        ctx.error(m.line_of(key), f"{where}: {key} must be a non-empty string (got {_type_name(value)})")
        return default
    return value.strip()


def _check_capabilities(ctx: _Ctx, caps: _Map, where: str, platform: str | None) -> None:
    for key in caps:
        line = caps.key_lines.get(key, caps.line)
        if not isinstance(key, str):
            ctx.error(line, f"{where}: capability names must be strings (got {key!r})")
            continue
        if ":" not in key and key not in W3C_CAPABILITIES:
            ctx.error(line, f"{where}: capability {key!r} is not a W3C capability and needs a vendor "
                            f"prefix (did you mean 'appium:{key}'?)")
    auto = caps.get("appium:automationName")
    if platform in AUTOMATION_NAMES and auto is not None:
        if not isinstance(auto, str) or auto.lower() not in AUTOMATION_NAMES[platform]:
            ctx.error(caps.line_of("appium:automationName"),
                      f"{where}: appium:automationName {auto!r} does not drive platform {platform!r} "
                      f"(expected one of {', '.join(AUTOMATION_NAMES[platform])})")
    chrome = caps.get("goog:chromeOptions")
    if chrome is not None:
        if not isinstance(chrome, dict):
            ctx.error(caps.line_of("goog:chromeOptions"), f"{where}: goog:chromeOptions must be a mapping")
        elif "args" in chrome and not isinstance(chrome["args"], list):
            ctx.error(_line(chrome, "args"), f"{where}: goog:chromeOptions.args must be a list of strings")


def load_devices(path: str | Path = DEFAULT_DEVICES, *, include_disabled: bool = True
                 ) -> dict[str, DeviceConfig]:
    """Read ``devices.yaml`` into ``{name: DeviceConfig}`` (file order).

    Raises
    ------
    ConfigError
        Listing every mistake with file and line.
    """
    path = Path(path)
    ctx = _Ctx(path)
    data = _read_yaml(path, ctx)
    if not isinstance(data, _Map):
        ctx.error(_line(data) or 1, f"the file must be a mapping with a 'devices:' section "
                                    f"(got {_type_name(data)})")
        ctx.raise_if_any()
    _unknown_keys(ctx, data, ("devices",), "top level")
    devices = data.get("devices")
    if not isinstance(devices, _Map) or not devices:
        ctx.error(data.line_of("devices") if "devices" in data else data.line,
                  "'devices:' must be a mapping of device name → settings with at least one device")
        ctx.raise_if_any()

    out: dict[str, DeviceConfig] = {}
    for name, spec in devices.items():
        line = devices.key_lines.get(name, devices.line)
        where = f"device {name!r}"
        if not isinstance(name, str) or not _NAME_RE.match(name):
            ctx.error(line, f"device name {name!r} must be letters, digits, '.', '_' or '-' "
                            f"(it is used in test ids and file names){_bool_hint(name)}")
            continue
        if not isinstance(spec, _Map):
            ctx.error(devices.line_of(name), f"{where}: settings must be a mapping (got {_type_name(spec)})")
            continue
        n_before = len(ctx.problems)
        _unknown_keys(ctx, spec, _DEVICE_KEYS, where)

        platform = spec.get("platform")
        if platform is None:
            ctx.error(line, f"{where}: missing 'platform' (one of {', '.join(PLATFORMS)})")
        elif platform not in PLATFORMS:
            close = difflib.get_close_matches(str(platform), PLATFORMS, n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            ctx.error(spec.line_of("platform"),
                      f"{where}: platform must be one of {', '.join(PLATFORMS)} (got {platform!r}{hint})")
            platform = None

        endpoint = spec.get("endpoint", "local")
        if not isinstance(endpoint, str):
            ctx.error(spec.line_of("endpoint"), f"{where}: endpoint must be 'local' or a URL "
                                                f"(got {_type_name(endpoint)})")
            endpoint = "local"
        endpoint = endpoint.strip()
        if endpoint != "local":
            why = _check_url(endpoint)
            if why:
                ctx.error(spec.line_of("endpoint"), f"{where}: endpoint {endpoint!r} {why}")
        grid = _bool(ctx, spec, "grid", where, False)
        if grid and endpoint == "local":
            ctx.error(spec.line_of("grid"), f"{where}: grid: true needs the hub URL as endpoint "
                                            f"(splashcheck starts plain Appium servers only)")
        enabled = _bool(ctx, spec, "enabled", where, True)
        clear_state = _bool(ctx, spec, "clear_state", where, True)
        description = _str(ctx, spec, "description", where, "") or ""

        screen = spec.get("screen")
        width = height = None
        density = 1.0
        if screen is None:
            ctx.error(line, f"{where}: missing 'screen' (density, and width/height in dp)")
        elif not isinstance(screen, _Map):
            ctx.error(spec.line_of("screen"), f"{where}: screen must be a mapping with density, width, height")
        else:
            _unknown_keys(ctx, screen, _SCREEN_KEYS, f"{where} screen")
            need_size = platform == "chromium"
            width = _number(ctx, screen, "width", f"{where} screen", integer=True, lo=100, hi=4000,
                            required=need_size)
            height = _number(ctx, screen, "height", f"{where} screen", integer=True, lo=100, hi=4000,
                             required=need_size)
            d = _number(ctx, screen, "density", f"{where} screen", integer=False, lo=0.5, hi=10,
                        required=True)
            density = float(d) if d is not None else 1.0

        caps = spec.get("capabilities")
        if caps is None:
            caps = _Map()
            caps.line, caps.key_lines, caps.value_lines = spec.line, {}, {}
        elif not isinstance(caps, _Map):
            ctx.error(spec.line_of("capabilities"), f"{where}: capabilities must be a mapping "
                                                    f"(got {_type_name(caps)})")
            caps = None
        if caps is not None:
            _check_capabilities(ctx, caps, where, platform)
        if platform == "android" and caps is not None and enabled:
            if not any(k in caps for k in ("appium:avd", "appium:udid", "appium:deviceName")):
                ctx.error(spec.key_lines.get("capabilities", line),
                          f"{where}: an Android device needs appium:avd (emulator) or appium:udid "
                          f"(device from `adb devices`) in capabilities")

        if len(ctx.problems) > n_before or platform is None or caps is None:
            continue
        merged = merge_capabilities(
            default_capabilities(platform, width=width, height=height, density=density), caps)
        out[name] = DeviceConfig(
            name=name, platform=platform, endpoint=endpoint, grid=grid, width=width, height=height,
            density=density, capabilities=merged, enabled=enabled, clear_state=clear_state,
            description=description, source=f"{ctx.file}:{line}")
    ctx.raise_if_any()
    if not include_disabled:
        out = {k: v for k, v in out.items() if v.enabled}
    return out


def enabled_devices(path: str | Path = DEFAULT_DEVICES, names: Iterable[str] | None = None
                    ) -> list[DeviceConfig]:
    """The devices a run uses: ``names`` if given (disabled ones too, when named), else all enabled."""
    devices = load_devices(path)
    if names:
        missing = [n for n in names if n not in devices]
        if missing:
            raise ConfigError([ConfigProblem(_display(Path(path)), 0,
                                             f"unknown device {_clip(repr(m))} (known: {short_list(devices)})")
                               for m in missing])
        return [devices[n] for n in names]
    return [d for d in devices.values() if d.enabled]


# ------------------------------------------------------------------------------------- apps
_APP_KEYS = ("url", "path", "package", "activity", "apk", "bundle_id", "ipa", "title", "enabled",
             "expected")


def _rule_ids() -> tuple[str, ...]:
    try:
        from detectors.registry import RULES
    except ImportError:  # pragma: no cover - the registry ships with the package
        return ()
    return tuple(RULES)


def _check_expected(ctx: _Ctx, exp: Any, where: str, line: int) -> dict[str, str]:
    """``expected:`` maps rule id → outcome (or → {outcome: ..., ...})."""
    if exp is None:
        return {}
    if not isinstance(exp, _Map):
        ctx.error(line, f"{where}: expected must be a mapping of rule id → outcome")
        return {}
    rules = _rule_ids()
    out: dict[str, str] = {}
    for rule, value in exp.items():
        rline = exp.key_lines.get(rule, exp.line)
        if rules and rule not in rules:
            close = difflib.get_close_matches(str(rule), rules, n=1)
            hint = f" (did you mean {close[0]!r}?)" if close else ""
            ctx.error(rline, f"{where}: expected: unknown rule id {rule!r}{hint}")
            continue
        outcome = value.get("outcome") if isinstance(value, dict) else value
        if outcome not in OUTCOMES:
            ctx.error(_line(exp, rule), f"{where}: expected outcome for {rule!r} must be one of "
                                        f"{', '.join(OUTCOMES)} (got {outcome!r})")
            continue
        out[str(rule)] = str(outcome)
    return out


def _file_url(path: Path) -> str:
    return path.resolve().as_uri()


def load_gallery(root: str | Path) -> dict[str, AppSpec]:
    """Every ``root/<id>/index.html`` as a web app; ``expected.yaml`` beside it gives the outcomes.

    ``expected.yaml`` is a mapping with an optional ``title`` and an ``expected`` mapping of
    rule id → outcome (a bare rule → outcome mapping is accepted too). URLs are ``file://``;
    :meth:`harness.webserver.DemoServer.serve_app` turns them into ``http://127.0.0.1:PORT/<id>/``.
    """
    root = Path(root)
    if not root.is_dir():
        raise ConfigError([ConfigProblem(_display(root), 0, "gallery folder not found")])
    apps: dict[str, AppSpec] = {}
    problems: list[ConfigProblem] = []
    for folder in sorted(p for p in root.iterdir() if p.is_dir()):
        index = folder / "index.html"
        if not index.is_file() or not _NAME_RE.match(folder.name):
            continue  # shared assets (e.g. demo_apps/common) are not apps
        title, expected = "", {}
        exp_path = folder / "expected.yaml"
        if exp_path.is_file():
            ctx = _Ctx(exp_path)
            try:
                data = _read_yaml(exp_path, ctx)
            except ConfigError as exc:
                problems.extend(exc.problems)
                continue
            where = f"demo app {folder.name!r}"
            if isinstance(data, _Map):
                title = str(data.get("title") or "")
                if "expected" in data:
                    expected = _check_expected(ctx, data["expected"], where, data.line_of("expected"))
                else:
                    rules = _rule_ids()
                    bare = _Map({k: v for k, v in data.items() if k in rules})
                    bare.line, bare.key_lines, bare.value_lines = data.line, data.key_lines, data.value_lines
                    expected = _check_expected(ctx, bare, where, data.line)
            elif data is not None:
                ctx.error(_line(data) or 1, f"{where}: expected.yaml must be a mapping")
            problems.extend(ctx.problems)
        apps[folder.name] = AppSpec(id=folder.name, url=_file_url(index), title=title, expected=expected)
    if problems:
        raise ConfigError(problems)
    return apps


def _resolve_local(base: Path, value: str) -> Path:
    p = Path(value).expanduser()
    return p if p.is_absolute() else (base / p)


def load_apps(path: str | Path = DEFAULT_APPS, *, include_disabled: bool = False) -> dict[str, AppSpec]:
    """Read ``apps.yaml`` into ``{id: AppSpec}``: the gallery (``gallery:``) first, then ``apps:``.

    Paths (``gallery``, ``path``, ``apk``, ``ipa``) are relative to the file's folder.
    Disabled apps (``enabled: false``) are left out unless ``include_disabled``.
    """
    path = Path(path)
    ctx = _Ctx(path)
    data = _read_yaml(path, ctx)
    if data is None:
        data = _Map()
        data.line, data.key_lines, data.value_lines = 1, {}, {}
    if not isinstance(data, _Map):
        ctx.error(_line(data) or 1, f"the file must be a mapping with 'gallery:' and/or 'apps:' "
                                    f"(got {_type_name(data)})")
        ctx.raise_if_any()
    _unknown_keys(ctx, data, ("gallery", "apps"), "top level")
    base = path.resolve().parent
    out: dict[str, AppSpec] = {}

    gallery = data.get("gallery")
    galleries = [gallery] if isinstance(gallery, str) else gallery
    if gallery is not None and not (isinstance(galleries, list) and all(isinstance(g, str) for g in galleries)):
        ctx.error(data.line_of("gallery"), "gallery must be a folder path or a list of folder paths")
        galleries = []
    for g in galleries or []:
        folder = _resolve_local(base, g)
        if not folder.is_dir():
            ctx.error(data.line_of("gallery"), f"gallery folder {g!r} not found (looked in {folder})")
            continue
        try:
            out.update(load_gallery(folder))
        except ConfigError as exc:
            ctx.problems.extend(exc.problems)

    apps = data.get("apps")
    if apps is not None and not isinstance(apps, _Map):
        ctx.error(data.line_of("apps"), f"apps must be a mapping of app id → settings (got {_type_name(apps)})")
        apps = None
    for app_id, spec in (apps or {}).items():
        line = apps.key_lines.get(app_id, apps.line)
        where = f"app {app_id!r}"
        if not isinstance(app_id, str) or not _NAME_RE.match(app_id):
            ctx.error(line, f"app id {app_id!r} must be letters, digits, '.', '_' or '-'{_bool_hint(app_id)}")
            continue
        if app_id in out:
            ctx.error(line, f"{where}: id already used by the gallery")
            continue
        if not isinstance(spec, _Map):
            ctx.error(apps.line_of(app_id), f"{where}: settings must be a mapping (got {_type_name(spec)})")
            continue
        n_before = len(ctx.problems)
        _unknown_keys(ctx, spec, _APP_KEYS, where)
        vals = {k: _str(ctx, spec, k, where) for k in ("url", "path", "package", "activity", "apk",
                                                         "bundle_id", "ipa", "title")}
        enabled = _bool(ctx, spec, "enabled", where, True)
        kinds = [k for k in ("url", "path", "package", "bundle_id") if vals[k]]
        if len(kinds) != 1:
            ctx.error(line, f"{where}: give exactly one of url (web), path (local HTML), package "
                                 f"(Android) or bundle_id (iOS) (got {', '.join(kinds) or 'none'})")
        if (vals["activity"] or vals["apk"]) and not vals["package"]:
            ctx.error(spec.line_of("activity" if vals["activity"] else "apk"),
                      f"{where}: activity/apk belong to an Android app: add package")
        if vals["ipa"] and not vals["bundle_id"]:
            ctx.error(spec.line_of("ipa"), f"{where}: ipa belongs to an iOS app: add bundle_id")
        url = vals["url"]
        if url:
            scheme = urlparse(url).scheme
            if scheme not in ("http", "https", "file"):
                ctx.error(spec.line_of("url"), f"{where}: url must be http(s):// or file:// (got {url!r})")
        if vals["path"]:
            p = _resolve_local(base, vals["path"])
            if p.is_dir():
                p = p / "index.html"
            if not p.is_file():
                ctx.error(spec.line_of("path"), f"{where}: path {vals['path']!r} is not an HTML file "
                                                f"(looked for {p})")
            else:
                url = _file_url(p)
        if vals["package"] and not re.match(r"^[A-Za-z_][\w]*(\.[A-Za-z_][\w]*)+$", vals["package"]):
            ctx.error(spec.line_of("package"), f"{where}: package {vals['package']!r} is not an Android "
                                               f"package name like com.example.app")
        expected = _check_expected(ctx, spec.get("expected"), where, spec.line_of("expected"))
        if len(ctx.problems) > n_before or not enabled and not include_disabled:
            continue
        apk = str(_resolve_local(base, vals["apk"])) if vals["apk"] and _resolve_local(base, vals["apk"]).exists() else vals["apk"]
        ipa = str(_resolve_local(base, vals["ipa"])) if vals["ipa"] and _resolve_local(base, vals["ipa"]).exists() else vals["ipa"]
        out[app_id] = AppSpec(id=app_id, url=url, package=vals["package"], activity=vals["activity"],
                              apk=apk, bundle_id=vals["bundle_id"], ipa=ipa,
                              title=vals["title"] or "", expected=expected)
    ctx.raise_if_any()
    return out


def _slug(text: str) -> str:
    s = re.sub(r"[^A-Za-z0-9_.-]+", "-", text).strip("-.")
    return (s or "app")[:60]


def resolve_app(arg: str, apps: Mapping[str, AppSpec] | None = None, *, cwd: str | Path | None = None
                ) -> AppSpec:
    """Turn a CLI ``--app`` value into an :class:`AppSpec`.

    Accepted, in this order: an id from ``apps`` (e.g. from :func:`load_apps`);
    ``android:PACKAGE[/ACTIVITY]`` (an installed Android app); ``ios:BUNDLE_ID``; an http(s) or
    file URL; a local HTML file, or a folder holding ``index.html`` (its ``expected.yaml`` is read
    when present). An APK/IPA file alone is not enough (its package id is inside the binary
    manifest): give ``android:PACKAGE`` or an apps.yaml entry with ``apk:``.

    Raises
    ------
    ValueError
        Naming the argument and what was tried.
    """
    apps = apps or {}
    if arg in apps:
        return apps[arg]
    m = re.match(r"^android:([A-Za-z_][\w]*(?:\.[A-Za-z_][\w]*)+)(?:/([\w.$]+))?$", arg)
    if m:
        return AppSpec(id=_slug(m.group(1)), package=m.group(1), activity=m.group(2), title=arg)
    m = re.match(r"^ios:([A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+)$", arg)
    if m:
        return AppSpec(id=_slug(m.group(1)), bundle_id=m.group(1), title=arg)
    parsed = urlparse(arg)
    if parsed.scheme in ("http", "https") and parsed.hostname:
        return AppSpec(id=_slug(f"{parsed.hostname}{parsed.path}"), url=arg, title=arg)
    if parsed.scheme == "file":
        return AppSpec(id=_slug(Path(parsed.path).parent.name if parsed.path.endswith("index.html")
                                else Path(parsed.path).stem), url=arg, title=arg)
    p = Path(arg).expanduser()
    if not p.is_absolute():
        p = Path(cwd or Path.cwd()) / p
    if p.is_dir() and (p / "index.html").is_file():
        if (p / "expected.yaml").is_file():
            gallery = load_gallery(p.parent)
            if p.name in gallery:
                return gallery[p.name]
        return AppSpec(id=_slug(p.name), url=_file_url(p / "index.html"), title=p.name)
    if p.is_file() and p.suffix.lower() in (".html", ".htm"):
        app_id = p.parent.name if p.name == "index.html" else p.stem
        return AppSpec(id=_slug(app_id), url=_file_url(p), title=p.name)
    known = ", ".join(list(apps)[:12]) + (", ..." if len(apps) > 12 else "")
    raise ValueError(
        f"--app {arg!r}: not an app id from apps.yaml{f' (known: {known})' if apps else ''}, "
        f"not android:PACKAGE[/ACTIVITY] or ios:BUNDLE_ID, not an http(s):// or file:// URL, and not "
        f"an existing .html file or folder with index.html"
        + (" (an APK/IPA needs an entry in apps.yaml with package/bundle_id and apk/ipa)"
           if p.suffix.lower() in (".apk", ".ipa", ".app") else ""))


def _main(argv: list[str] | None = None) -> int:
    """``python -m harness.config [devices.yaml] [apps.yaml]``: validate and print the result."""
    import json
    import sys

    args = sys.argv[1:] if argv is None else argv
    try:
        devices = load_devices(args[0] if args else DEFAULT_DEVICES)
        apps = load_apps(args[1] if len(args) > 1 else DEFAULT_APPS, include_disabled=True)
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return 2
    for d in devices.values():
        state = "enabled" if d.enabled else "disabled"
        print(f"device {d.name} [{d.platform}, {state}] endpoint={d.endpoint}{' (grid)' if d.grid else ''} "
              f"screen={d.screen_px} density={d.density:g}  ({d.source})")
        print("  " + json.dumps(d.capabilities, ensure_ascii=False))
    for a in apps.values():
        target = a.url or a.package or a.bundle_id
        print(f"app {a.id} [{'/'.join(a.platforms)}] {target} expected={len(a.expected)} rules")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
