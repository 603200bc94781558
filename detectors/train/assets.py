"""Training assets: icon masks from npm icon packages, app-like screens, sample photos.

Everything is fetched or rendered into a cache directory (``build/verifier-data`` by default)
and never committed. Provenance (package, version, licence, counts) is written to
``detectors/data/SOURCES.md`` by :mod:`detectors.train.__main__`.

* Icons: ``npm pack <pkg>@<version>`` (the ordinary npm client), SVGs picked by name,
  laid out on one HTML grid and rasterised in one headless-Chromium screenshot; each cell
  becomes an alpha mask (ink = 255).
* Screens: HTML pages generated from a seeded random layout (feeds, lists, games, dialogs
  with a call-to-action only, splash pictures, settings, chats), rendered in headless Chromium
  at a phone viewport. They carry no close control, so every proposal on them is background.
* Photos: the sample images shipped inside the scikit-image wheel (``pip download``; BSD).
"""

from __future__ import annotations

import html
import json
import random
import re
import shutil
import subprocess
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

CHROMIUM = "/usr/bin/chromium"

# (npm package, version, licence, sub-directory with the SVGs)
ICON_PACKAGES: tuple[tuple[str, str, str, str], ...] = (
    ("@tabler/icons", "3.54.0", "MIT", "icons"),
    ("lucide-static", "1.87.0", "ISC", "icons"),
    ("bootstrap-icons", "1.13.2", "MIT", "icons"),
    ("@material-design-icons/svg", "0.14.15", "Apache-2.0", ""),
    ("remixicon", "4.9.1", "Apache-2.0", "icons"),
)
# Close icons by package: (path inside the SVG directory, style) -- outline, filled, thin, round.
CLOSE_ICONS: dict[str, tuple[str, ...]] = {
    "@tabler/icons": ("outline/x.svg", "outline/circle-x.svg", "outline/square-x.svg",
                      "outline/square-rounded-x.svg", "filled/circle-x.svg", "filled/square-x.svg",
                      "filled/square-rounded-x.svg"),
    "lucide-static": ("x.svg", "circle-x.svg", "square-x.svg"),
    "bootstrap-icons": ("x.svg", "x-lg.svg", "x-circle.svg", "x-circle-fill.svg", "x-square.svg",
                        "x-square-fill.svg"),
    "@material-design-icons/svg": ("filled/close.svg", "round/close.svg", "sharp/close.svg",
                                   "filled/cancel.svg", "outlined/cancel.svg", "filled/highlight_off.svg"),
    "remixicon": ("System/close-line.svg", "System/close-fill.svg", "System/close-large-line.svg",
                  "System/close-circle-line.svg", "System/close-circle-fill.svg"),
}
# Named hard negatives (looked up by stem in every package), then a seeded random sample.
HARD_NEGATIVE_STEMS = ("plus", "check", "play", "player-play", "play-circle", "home", "user", "menu",
                       "search", "heart", "share", "settings", "bell", "star", "arrow-left", "chevron-left",
                       "chevron-right", "dots", "camera", "message", "shopping-cart", "download",
                       "minus", "refresh", "plus-circle", "check-circle", "add", "done", "add_circle",
                       "arrow_back", "more_vert", "wifi", "battery", "signal", "volume", "info", "gift")
RANDOM_NEGATIVES_PER_PACKAGE = 70
# Names that might be (or look like) a close/cross mark: never used as negatives.
_CROSSY = re.compile(r"(^|[-_/])(x|x-lg|xbox)($|[-_.])|close|cancel|clear|delete|remove|highlight_off|"
                     r"multipl|times|cross|ban|forbid|error|letter-x|square-x|circle-x|disabled|off\b|block")

SHEET_CELL_PX = 128
SHEET_ICON_PX = 96
SHEET_COLUMNS = 16


@dataclass(frozen=True)
class IconMask:
    """One rasterised icon: ``mask`` (S, S) uint8, ink 255; ``close`` True for close icons."""

    name: str
    package: str
    close: bool
    mask: np.ndarray


def cache_dir(root: Path | None = None) -> Path:
    d = Path(root) if root else Path(__file__).resolve().parents[2] / "build" / "verifier-data"
    d.mkdir(parents=True, exist_ok=True)
    return d


def fetch_icon_packages(cache: Path) -> dict[str, Path]:
    """``npm pack`` every package (once) and extract it; {package: its SVG directory}."""
    out: dict[str, Path] = {}
    for pkg, ver, _lic, sub in ICON_PACKAGES:
        dest = cache / "npm" / pkg.replace("/", "+").lstrip("@")
        if not (dest / "package").is_dir():
            dest.mkdir(parents=True, exist_ok=True)
            r = subprocess.run(["npm", "pack", f"{pkg}@{ver}", "--silent"], cwd=dest, capture_output=True,
                               text=True, timeout=600)
            if r.returncode != 0:
                raise RuntimeError(f"npm pack {pkg}@{ver} failed: {r.stderr.strip()[:300]}")
            tgz = next(dest.glob("*.tgz"))
            with tarfile.open(tgz) as tf:
                tf.extractall(dest, filter="data")
            tgz.unlink()
        out[pkg] = dest / "package" / sub if sub else dest / "package"
    return out


def choose_icons(dirs: dict[str, Path], rng: random.Random) -> list[tuple[str, Path, bool]]:
    """(package, svg path, is_close) for every close icon and the hard negatives."""
    chosen: list[tuple[str, Path, bool]] = []
    for pkg, root in dirs.items():
        for rel in CLOSE_ICONS[pkg]:
            p = root / rel
            if p.is_file():
                chosen.append((pkg, p, True))
        svgs = sorted(p for p in root.rglob("*.svg") if not _CROSSY.search(p.relative_to(root).as_posix().lower()))
        if pkg == "@material-design-icons/svg":  # five styles of each icon: keep filled/outlined
            svgs = [p for p in svgs if p.parent.name in ("filled", "outlined", "round")]
        if pkg == "@tabler/icons":
            svgs = [p for p in svgs if p.parent.name in ("outline", "filled")]
        named = [p for p in svgs if p.stem in HARD_NEGATIVE_STEMS]
        rest = [p for p in svgs if p.stem not in HARD_NEGATIVE_STEMS]
        picked = named[:40] + rng.sample(rest, min(len(rest), RANDOM_NEGATIVES_PER_PACKAGE))
        chosen += [(pkg, p, False) for p in picked]
    return chosen


def rasterise_icons(icons: list[tuple[str, Path, bool]], cache: Path) -> list[IconMask]:
    """All icons on one HTML grid, one Chromium screenshot, cut into masks."""
    rows = (len(icons) + SHEET_COLUMNS - 1) // SHEET_COLUMNS
    cells = "".join(
        f'<div class="c"><img src="{p.resolve().as_uri()}"></div>' for _, p, _ in icons)
    page = (f"<html><head><style>body{{margin:0;background:#fff;width:{SHEET_COLUMNS * SHEET_CELL_PX}px}}"
            f".c{{float:left;width:{SHEET_CELL_PX}px;height:{SHEET_CELL_PX}px;display:flex;"
            f"align-items:center;justify-content:center;color:#000}}"
            f"img{{width:{SHEET_ICON_PX}px;height:{SHEET_ICON_PX}px}}</style></head><body>{cells}</body></html>")
    sheet_html = cache / "icon_sheet.html"
    sheet_html.write_text(page, encoding="utf-8")
    png = cache / "icon_sheet.png"
    screenshot(sheet_html, png, SHEET_COLUMNS * SHEET_CELL_PX, rows * SHEET_CELL_PX, 1.0)
    img = cv2.imread(str(png), cv2.IMREAD_GRAYSCALE)
    out = []
    for i, (pkg, p, close) in enumerate(icons):
        r, c = divmod(i, SHEET_COLUMNS)
        cell = img[r * SHEET_CELL_PX:(r + 1) * SHEET_CELL_PX, c * SHEET_CELL_PX:(c + 1) * SHEET_CELL_PX]
        mask = 255 - cell
        ys, xs = np.nonzero(mask > 40)
        if len(xs) < 20:
            continue  # failed to load or empty
        out.append(IconMask(name=p.stem, package=pkg, close=close, mask=np.ascontiguousarray(mask)))
    return out


def screenshot(page: Path, png: Path, width_css: int, height_css: int, dpr: float) -> None:
    """Headless-Chromium screenshot of a local HTML file."""
    cmd = [CHROMIUM, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
           "--allow-file-access-from-files", f"--window-size={width_css},{height_css}",
           f"--force-device-scale-factor={dpr}", "--default-background-color=ffffffff",
           f"--screenshot={png}", page.resolve().as_uri()]
    subprocess.run(cmd, capture_output=True, timeout=120, check=False)
    if not png.is_file():
        raise RuntimeError(f"chromium wrote no screenshot for {page}")


# ---------------------------------------------------------------------------------------------
# Photos
# ---------------------------------------------------------------------------------------------

SKIMAGE_VERSION = "0.26.0"
SKIMAGE_PHOTOS = ("astronaut.png", "brick.png", "camera.png", "chelsea.png", "coffee.png", "coins.png",
                  "color.png", "grass.png", "gravel.png", "hubble_deep_field.jpg", "ihc.png",
                  "motorcycle_left.png", "motorcycle_right.png", "retina.jpg", "rocket.jpg", "moon.png")


def fetch_photos(cache: Path) -> list[Path]:
    """The sample photos inside the scikit-image wheel (downloaded, not installed)."""
    dest = cache / "photos"
    if not all((dest / n).is_file() for n in SKIMAGE_PHOTOS):
        dest.mkdir(parents=True, exist_ok=True)
        wheels = cache / "wheels"
        subprocess.run(["pip", "download", f"scikit-image=={SKIMAGE_VERSION}", "--no-deps", "-q", "-d",
                        str(wheels)], check=True, timeout=900)
        whl = next(wheels.glob("scikit_image-*.whl"))
        with zipfile.ZipFile(whl) as z:
            for n in SKIMAGE_PHOTOS:
                with z.open(f"skimage/data/{n}") as src, open(dest / n, "wb") as dst:
                    shutil.copyfileobj(src, dst)
    return [dest / n for n in SKIMAGE_PHOTOS]


# ---------------------------------------------------------------------------------------------
# App-like screens
# ---------------------------------------------------------------------------------------------

ZH_WORDS = ("今日推荐 热门活动 精选好物 限时优惠 新品上市 我的订单 消息通知 视频 直播 关注 发现 附近 "
            "音乐 电影 小说 游戏 天气 晴转多云 签到领积分 会员中心 购物车 收藏夹 浏览记录 设置 帮助与反馈 "
            "账号与安全 隐私 通用 深色模式 字体大小 清理缓存 关于我们 版本更新 城市 北京 上海 广州 "
            "外卖 美食 酒店 旅行 机票 火车票 打车 地图 导航 学习 课程 作业 考试 笔记 相册 相机 "
            "健康 步数 睡眠 运动记录 新闻 财经 体育 科技 娱乐 汽车 房产 教育 评论 点赞 分享 转发").split()
EN_WORDS = ("home explore library profile settings account privacy notifications general display "
            "storage battery network music video photos news sports weather today tomorrow friends "
            "messages inbox sent drafts archive search results recent popular trending recommended "
            "for you following shop cart orders wallet rewards level score coins lives start next "
            "play again leaderboard daily bonus mission inventory map quest premium free trial "
            "learn more about terms version update backup sync cloud").split()
CTA_WORDS = ("立即下载", "安装", "打开", "立即领取", "查看详情", "去看看", "OK", "Download", "Install", "Open",
             "Continue", "确定", "同意", "Allow", "Got it", "Learn more", "Buy now", "立即购买")
PALETTES = (("#ffffff", "#222222", "#1677ff"), ("#f5f5f5", "#333333", "#ff5000"), ("#121212", "#eeeeee", "#bb86fc"),
            ("#fffbe6", "#3d3d3d", "#fa8c16"), ("#0f1923", "#e8e8e8", "#00c2a8"), ("#ffffff", "#111111", "#07c160"),
            ("#1e1e2e", "#cdd6f4", "#f38ba8"), ("#fafafa", "#212121", "#e91e63"), ("#eef3fb", "#1f2d3d", "#3370ff"))
SCREEN_KINDS = ("feed", "list", "game", "dialog", "splash", "settings", "chat", "grid", "article")


def _words(rng: random.Random, n: int, zh: bool) -> str:
    ws = ZH_WORDS if zh else EN_WORDS
    sep = "" if zh else " "
    return sep.join(rng.choice(ws) for _ in range(n))


def _img(rng: random.Random, photos: list[Path], style: str = "") -> str:
    if photos and rng.random() < 0.6:
        p = rng.choice(photos)
        return f'<img src="{p.resolve().as_uri()}" style="object-fit:cover;{style}">'
    a, b = (f"hsl({rng.randrange(360)},{rng.randrange(30, 90)}%,{rng.randrange(25, 75)}%)" for _ in range(2))
    return f'<div style="background:linear-gradient({rng.randrange(360)}deg,{a},{b});{style}"></div>'


def _icon(rng: random.Random, icons: list[Path], size: int, color: str) -> str:
    if not icons:
        return ""
    p = rng.choice(icons)
    return (f'<span style="display:inline-block;width:{size}px;height:{size}px;background:{color};'
            f'-webkit-mask:url({p.resolve().as_uri()}) center/contain no-repeat"></span>')


def screen_html(rng: random.Random, kind: str, photos: list[Path], icons: list[Path], w: int, h: int) -> str:
    """One app-like page (no close control anywhere) of ``w`` × ``h`` CSS px."""
    bg, fg, accent = rng.choice(PALETTES)
    zh = rng.random() < 0.6
    font = "WenQuanYi Zen Hei" if zh or rng.random() < 0.5 else "Liberation Sans"
    fs = rng.choice((13, 14, 15, 16, 17))
    parts: list[str] = []
    status = rng.random() < 0.8
    if status:
        parts.append(f'<div style="height:24px;display:flex;justify-content:space-between;align-items:center;'
                     f'padding:0 14px;font-size:12px;color:{fg}"><b>{rng.randrange(7, 23)}:{rng.randrange(10, 59)}</b>'
                     f'<span>{_icon(rng, icons, 12, fg)} {_icon(rng, icons, 12, fg)} {_icon(rng, icons, 14, fg)} '
                     f'{rng.randrange(20, 99)}%</span></div>')
    if kind != "splash" and kind != "game":
        parts.append(f'<div style="height:48px;display:flex;align-items:center;gap:14px;padding:0 14px;'
                     f'font-size:{fs + 3}px;font-weight:bold;color:{fg}">{_icon(rng, icons, 22, fg)}'
                     f'<span style="flex:1">{html.escape(_words(rng, 2, zh))}</span>{_icon(rng, icons, 22, fg)}'
                     f'{_icon(rng, icons, 22, fg)}</div>')
    if kind in ("feed", "dialog", "article"):
        for _ in range(rng.randrange(2, 5)):
            parts.append(f'<div style="margin:10px 12px;border-radius:{rng.choice((0, 6, 12))}px;overflow:hidden;'
                         f'background:{"#ffffff10" if bg < "#8" else "#00000008"}">'
                         + _img(rng, photos, f"width:100%;height:{rng.randrange(120, 260)}px;display:block")
                         + f'<div style="padding:8px;color:{fg};font-size:{fs}px">{html.escape(_words(rng, rng.randrange(4, 14), zh))}</div>'
                         f'<div style="padding:0 8px 8px;display:flex;gap:16px;color:{fg};opacity:.6;font-size:12px">'
                         f'{_icon(rng, icons, 16, fg)} {rng.randrange(1, 999)} {_icon(rng, icons, 16, fg)} '
                         f'{rng.randrange(1, 99)}</div></div>')
    if kind in ("list", "settings", "chat"):
        for _ in range(rng.randrange(8, 16)):
            av = (_img(rng, photos, f"width:40px;height:40px;border-radius:{rng.choice(('50%', '8px'))};flex:none")
                  if kind != "settings" else _icon(rng, icons, 22, accent))
            right = (f'<span style="color:{fg};opacity:.5;font-size:12px">{rng.randrange(1, 12)}:{rng.randrange(10, 59)}</span>'
                     if kind == "chat" else _icon(rng, icons, 16, fg))
            parts.append(f'<div style="display:flex;align-items:center;gap:12px;padding:10px 14px;'
                         f'border-bottom:1px solid {fg}22">{av}<div style="flex:1;color:{fg};font-size:{fs}px">'
                         f'{html.escape(_words(rng, rng.randrange(2, 5), zh))}<div style="font-size:12px;opacity:.6">'
                         f'{html.escape(_words(rng, rng.randrange(3, 8), zh))}</div></div>{right}</div>')
    if kind == "grid":
        cells = "".join(
            f'<div style="display:flex;flex-direction:column;align-items:center;gap:6px;color:{fg};font-size:12px">'
            f'<div style="width:52px;height:52px;border-radius:{rng.choice((12, 14, 26))}px;background:'
            f'hsl({rng.randrange(360)},70%,55%);display:flex;align-items:center;justify-content:center">'
            f'{_icon(rng, icons, 30, "#fff")}</div>{html.escape(_words(rng, 1, zh))}</div>' for _ in range(rng.randrange(12, 24)))
        parts.append(f'<div style="display:grid;grid-template-columns:repeat(4,1fr);gap:18px;padding:16px">{cells}</div>')
    if kind == "article":
        parts.append(f'<div style="padding:12px;color:{fg};font-size:{fs}px;line-height:1.6">'
                     + "".join(f"<p>{html.escape(_words(rng, rng.randrange(20, 60), zh))}</p>" for _ in range(5)) + "</div>")
    if kind == "game":
        shapes = "".join(
            f'<div style="position:absolute;left:{rng.randrange(-40, w)}px;top:{rng.randrange(0, h)}px;'
            f'width:{rng.randrange(20, 160)}px;height:{rng.randrange(20, 160)}px;border-radius:{rng.choice(("50%", "12px", "0"))};'
            f'background:hsl({rng.randrange(360)},80%,{rng.randrange(35, 70)}%);box-shadow:0 4px 0 #0004"></div>'
            for _ in range(rng.randrange(8, 30)))
        hud = (f'<div style="position:absolute;top:{30 if status else 8}px;left:10px;right:10px;display:flex;'
               f'justify-content:space-between;color:#fff;font:bold 18px {font};text-shadow:0 2px 2px #000">'
               f'<span>{_icon(rng, icons, 24, "#ffd700")} {rng.randrange(100, 99999)}</span>'
               f'<span>{_icon(rng, icons, 24, "#ff4d4f")} x{rng.randrange(1, 9)}</span>{_icon(rng, icons, 28, "#fff")}</div>')
        btn = (f'<div style="position:absolute;bottom:{rng.randrange(60, 200)}px;left:50%;transform:translateX(-50%);'
               f'padding:14px 40px;border-radius:30px;background:{accent};color:#fff;font:bold 22px {font}">'
               f'{html.escape(rng.choice(("START", "PLAY", "开始游戏", "继续", "LEVEL " + str(rng.randrange(1, 99)))))}</div>')
        parts.append(_img(rng, photos, f"position:absolute;inset:0;width:100%;height:100%;filter:saturate(1.4)") + shapes + hud + btn)
    if kind == "splash":
        parts.append(_img(rng, photos, "position:absolute;inset:0;width:100%;height:100%")
                     + f'<div style="position:absolute;left:0;right:0;bottom:0;height:{rng.randrange(90, 160)}px;'
                     f'background:{bg};display:flex;align-items:center;justify-content:center;gap:10px;'
                     f'color:{fg};font:bold 22px {font}">{_icon(rng, icons, 40, accent)}{html.escape(_words(rng, 1, zh))}</div>')
        if rng.random() < 0.5:
            parts.append(f'<div style="position:absolute;left:14px;bottom:{rng.randrange(170, 260)}px;font-size:11px;'
                         f'color:#fff;background:#0006;padding:2px 6px;border-radius:3px">广告</div>')
    if kind == "dialog":
        parts.append(f'<div style="position:absolute;inset:0;background:#000{rng.choice(("8", "9", "a", "b"))}"></div>'
                     f'<div style="position:absolute;left:{rng.randrange(24, 48)}px;right:{rng.randrange(24, 48)}px;'
                     f'top:{rng.randrange(150, 300)}px;background:{rng.choice(("#fff", "#fdfdfd", "#2b2b2b"))};'
                     f'border-radius:{rng.choice((8, 12, 16, 20))}px;overflow:hidden;font-size:{fs}px;color:#333">'
                     + (_img(rng, photos, f"width:100%;height:{rng.randrange(100, 220)}px;display:block") if rng.random() < 0.6 else "")
                     + f'<div style="padding:16px;text-align:center"><b>{html.escape(_words(rng, 2, zh))}</b>'
                     f'<p>{html.escape(_words(rng, rng.randrange(6, 20), zh))}</p>'
                     f'<div style="margin-top:12px;padding:11px;border-radius:22px;background:{accent};color:#fff">'
                     f'{html.escape(rng.choice(CTA_WORDS))}</div></div></div>')
    if kind not in ("splash", "game") and rng.random() < 0.7:
        tabs = "".join(f'<div style="display:flex;flex-direction:column;align-items:center;font-size:10px;'
                       f'color:{accent if i == 0 else fg}">{_icon(rng, icons, 22, accent if i == 0 else fg)}'
                       f'{html.escape(_words(rng, 1, zh))}</div>' for i in range(rng.randrange(4, 6)))
        parts.append(f'<div style="position:fixed;left:0;right:0;bottom:0;height:56px;background:{bg};'
                     f'border-top:1px solid {fg}22;display:flex;justify-content:space-around;align-items:center">{tabs}</div>')
    if rng.random() < 0.3:  # a banner ad / CTA button somewhere
        parts.append(f'<div style="position:fixed;left:12px;right:12px;bottom:{rng.randrange(60, 120)}px;'
                     f'padding:10px;border-radius:8px;background:{accent};color:#fff;text-align:center;font-size:{fs}px">'
                     f'{html.escape(rng.choice(CTA_WORDS))}</div>')
    body = "".join(parts).replace("position:fixed", "position:absolute")
    return (f'<div style="width:{w}px;height:{h}px;overflow:hidden;position:relative;background:{bg};'
            f'font-family:&quot;{font}&quot;,sans-serif">{body}</div>')


SCREENS_PER_SHOT = 5  # screens stacked in one page: one Chromium launch (≈ 3–20 s) per 5 screens


def render_screens(cache: Path, photos: list[Path], icon_svgs: list[Path], n: int, seed: int) -> list[Path]:
    """``n`` app-like screens as PNGs at dpr 3 (cached by index and seed).

    Screens are generated in order from one seeded stream, then laid out in batches of
    ``SCREENS_PER_SHOT`` of one width stacked vertically, one Chromium screenshot per batch.
    """
    rng = random.Random(seed)
    out_dir = cache / f"screens-{seed}"
    out_dir.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    for b0 in range(0, n, SCREENS_PER_SHOT):
        idx = list(range(b0, min(n, b0 + SCREENS_PER_SHOT)))
        w = rng.choice((360, 375, 393, 412))
        hs = [int(w * rng.uniform(1.9, 2.2)) for _ in idx]
        kinds = [SCREEN_KINDS[i % len(SCREEN_KINDS)] for i in idx]
        pages = [screen_html(rng, k, photos, icon_svgs, w, h) for k, h in zip(kinds, hs)]
        pngs = [out_dir / f"{i:03d}-{k}.png" for i, k in zip(idx, kinds)]
        paths += pngs
        if all(p.is_file() for p in pngs):
            continue
        hp = out_dir / f"batch-{b0:03d}.html"
        hp.write_text('<html><head><meta charset="utf-8"><style>body{margin:0}</style></head><body>'
                      + "".join(pages) + "</body></html>", encoding="utf-8")
        shot = out_dir / f"batch-{b0:03d}.png"
        screenshot(hp, shot, w, sum(hs), 3.0)
        img = cv2.imread(str(shot))
        y = 0
        for p, h in zip(pngs, hs):
            cv2.imwrite(str(p), img[y * 3:(y + h) * 3, :w * 3])
            y += h
        shot.unlink()
    (out_dir / "index.json").write_text(json.dumps([p.name for p in paths]))
    return paths
