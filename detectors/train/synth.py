"""Synthetic phone frames: close controls and hard negatives drawn over app-like screens.

:func:`make_frame` draws one frame at a random density (1.5–4 px/dp) with 1–3 labelled
close controls (``x_icon`` / ``text`` / ``countdown``, box = the visible control: badge,
pill, ring or, for bare text, the letters) and several hard negatives (icons, 广告 tags,
call-to-action buttons, words with an x, avatars), optionally under a scrim with a card,
optionally cropped to the card (screenshots that are a crop of the pop-up), then
JPEG-recompressed. Controls are drawn with Pillow at 3× and reduced (anti-aliasing).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageDraw, ImageFont

from detectors.train.assets import IconMask

FONT_ZH = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
FONT_EN = ("/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
           "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
           "/usr/share/fonts/truetype/liberation/LiberationSansNarrow-Regular.ttf")
SS = 3  # supersampling factor of the control renderer

TEXT_WORDS = ("跳过", "关闭", "Skip", "Skip Ad", "Close", "No thanks", "Cancel", "取消", "以后再说", "暂不更新",
              "跳过广告", "下次再说", "暂不", "SKIP", "CLOSE", "NO THANKS", "Not now", "Later", "Dismiss", "跳 过")
COUNTDOWN_FORMS = ("跳过 {n}", "{n}s | 跳过", "{n} 跳过", "Skip {n}", "跳过 {n}s", "{n}s 跳过", "Skip Ad {n}",
                   "关闭 {n}", "{n}秒后跳过", "跳过广告 {n}")
NEG_WORDS = ("广告", "安装", "立即下载", "OK", "Download", "Install", "打开", "Xbox", "Next", "MAX", "x2", "Box",
             "Taxi", "Relax", "X", "查看详情", "立即领取", "了解更多", "AD", "Sponsored", "去看看", "确定", "Exit?",
             "VIP", "+1", "Fix", "Mix", "6x", "Explore", "Text", "Flex")
KINDS = ("x_icon", "text", "countdown")


@dataclass(frozen=True)
class Item:
    """A drawn object: ``box`` (x1, y1, x2, y2) frame px; ``kind`` one of KINDS or None (negative)."""

    box: tuple[int, int, int, int]
    kind: str | None


@dataclass
class Assets:
    close_icons: list[IconMask]
    neg_icons: list[IconMask]
    screens: list[np.ndarray]  # BGR, rendered at dpr 3
    photos: list[np.ndarray]  # BGR


def load_assets(close_icons: list[IconMask], neg_icons: list[IconMask], screen_paths: list[Path],
                photo_paths: list[Path]) -> Assets:
    return Assets(close_icons, neg_icons, [cv2.imread(str(p)) for p in screen_paths],
                  [cv2.imread(str(p)) for p in photo_paths])


@lru_cache(maxsize=256)
def _font(path: str, px: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, max(4, px))


def _colour(rng: np.random.Generator, light: bool | None = None) -> tuple[int, int, int]:
    if light is None:
        return tuple(int(v) for v in rng.integers(0, 256, 3))  # type: ignore[return-value]
    base = int(rng.integers(200, 256)) if light else int(rng.integers(0, 70))
    return tuple(int(np.clip(base + rng.integers(-20, 21), 0, 255)) for _ in range(3))  # type: ignore[return-value]


def _font_for(text: str, rng: np.random.Generator) -> str:
    if any("\u4e00" <= ch <= "\u9fff" for ch in text) or rng.random() < 0.25:
        return FONT_ZH
    return str(rng.choice(FONT_EN))


# ---------------------------------------------------------------------------------------------
# Patches: RGBA float32 (h, w, 4), alpha 0..1, drawn at SS× and reduced
# ---------------------------------------------------------------------------------------------


class _Canvas:
    def __init__(self, w: int, h: int):
        self.w, self.h = max(1, w), max(1, h)
        self.img = Image.new("RGBA", (self.w * SS, self.h * SS), (0, 0, 0, 0))
        self.d = ImageDraw.Draw(self.img)

    def patch(self) -> np.ndarray:
        a = np.asarray(self.img, dtype=np.float32) / 255.0
        a[..., :3] *= a[..., 3:4]  # premultiplied for the reduction
        small = cv2.resize(a, (self.w, self.h), interpolation=cv2.INTER_AREA)
        alpha = small[..., 3:4]
        small[..., :3] = np.where(alpha > 1e-4, small[..., :3] / np.maximum(alpha, 1e-4), 0)
        return small


def _text_size(text: str, font: ImageFont.FreeTypeFont) -> tuple[int, int, int, int]:
    return font.getbbox(text)


def _icon_layer(c: _Canvas, mask: np.ndarray, box: tuple[float, float, float, float], colour) -> None:
    x1, y1, x2, y2 = (int(round(v * SS)) for v in box)
    m = cv2.resize(mask, (max(1, x2 - x1), max(1, y2 - y1)), interpolation=cv2.INTER_AREA)
    layer = Image.new("RGBA", (m.shape[1], m.shape[0]), tuple(colour) + (255,))
    layer.putalpha(Image.fromarray(m))
    c.img.alpha_composite(layer, (x1, y1))


def draw_x_icon(rng: np.random.Generator, a: Assets, size_px: float) -> np.ndarray:
    """An X close control ``size_px`` wide (badge or glyph); the whole patch is the control."""
    s = max(6, int(round(size_px)))
    c = _Canvas(s, s)
    style = rng.choice(["icon", "icon_badge", "lines", "lines_badge", "lines_ring"], p=[.3, .25, .15, .2, .1])
    dark_glyph = rng.random() < 0.5
    glyph_col = _colour(rng, light=not dark_glyph)
    if "badge" in style or "ring" in style:
        fill = _colour(rng, light=dark_glyph) if rng.random() < 0.6 else _colour(rng)
        fill_a = int(rng.choice([255, 255, 160, 120, 90]))
        r = 0 if rng.random() < 0.7 else int(s * SS * rng.uniform(0.15, 0.3))
        if "ring" in style:
            w = max(1, int(s * SS * rng.uniform(0.05, 0.1)))
            c.d.ellipse((0, 0, s * SS - 1, s * SS - 1), fill=fill + (fill_a // 2,) if rng.random() < .5 else None,
                        outline=glyph_col + (255,), width=w)
        elif r == 0:
            c.d.ellipse((0, 0, s * SS - 1, s * SS - 1), fill=fill + (fill_a,))
        else:
            c.d.rounded_rectangle((0, 0, s * SS - 1, s * SS - 1), r, fill=fill + (fill_a,))
        inner = rng.uniform(0.38, 0.62)
    else:
        inner = 1.0
    g = s * inner
    o = (s - g) / 2
    if style.startswith("icon"):
        icon = a.close_icons[int(rng.integers(len(a.close_icons)))]
        pad = g * 0.125 if "badge" in style else 0  # the icon's own viewbox margin
        _icon_layer(c, icon.mask, (o - pad * 0, o, o + g, o + g), glyph_col)
    else:
        t = max(1.0, g * SS * rng.uniform(0.06, 0.16))
        q = o * SS + t / 2, (o + g) * SS - t / 2
        for p1, p2 in (((q[0], q[0]), (q[1], q[1])), ((q[0], q[1]), (q[1], q[0]))):
            c.d.line((p1, p2), fill=glyph_col + (255,), width=int(round(t)))
    return c.patch()


def draw_text_control(rng: np.random.Generator, text: str, height_px: float, kind: str) -> tuple[np.ndarray, bool]:
    """A pill / button / bare text; returns (patch, whole_patch_is_box)."""
    font = _font(_font_for(text, rng), int(height_px * SS))
    l, t, r, b = _text_size(text, font)
    tw, th = (r - l) / SS, (b - t) / SS
    style = rng.choice(["pill", "pill_light", "bare", "button", "outline"], p=[.35, .15, .25, .1, .15])
    if kind == "countdown" and rng.random() < 0.3:
        style = "ring"
    if style == "bare":
        c = _Canvas(int(math.ceil(tw)) + 2, int(math.ceil(th)) + 2)
        col = _colour(rng, light=rng.random() < 0.5)
        c.d.text((SS - l, SS - t), text, font=font, fill=col + (255,))
        if rng.random() < 0.5:  # text shadow keeps white text readable on photos
            pass
        return c.patch(), False
    if style == "ring":
        d = int(max(tw, th) * rng.uniform(1.25, 1.5)) + 4
        c = _Canvas(d, d)
        fill = _colour(rng, light=False) + (int(rng.integers(110, 230)),)
        c.d.ellipse((0, 0, d * SS - 1, d * SS - 1), fill=fill)
        w = max(2, int(d * SS * 0.07))
        arc = _colour(rng) + (255,)
        start = -90
        c.d.arc((w // 2, w // 2, d * SS - 1 - w // 2, d * SS - 1 - w // 2), start,
                start + int(rng.integers(60, 360)), fill=arc, width=w)
        col = (255, 255, 255, 255)
        c.d.text(((d * SS - (r - l)) / 2 - l, (d * SS - (b - t)) / 2 - t), text, font=font, fill=col)
        return c.patch(), True
    padx = th * rng.uniform(0.5, 1.2)
    pady = th * rng.uniform(0.3, 0.7)
    if style == "button":
        padx = th * rng.uniform(1.5, 5)
    w, h = int(tw + 2 * padx), int(th + 2 * pady)
    c = _Canvas(w, h)
    rad = int(h * SS / 2) if style != "button" or rng.random() < 0.4 else int(h * SS * rng.uniform(0.05, 0.25))
    if style == "pill":
        fill = _colour(rng, light=False) + (int(rng.integers(90, 220)),)
        col = (255, 255, 255, 255)
        c.d.rounded_rectangle((0, 0, w * SS - 1, h * SS - 1), rad, fill=fill)
    elif style == "pill_light":
        fill = _colour(rng, light=True) + (int(rng.integers(150, 256)),)
        col = _colour(rng, light=False) + (255,)
        c.d.rounded_rectangle((0, 0, w * SS - 1, h * SS - 1), rad, fill=fill)
    elif style == "outline":
        col = _colour(rng, light=rng.random() < 0.5) + (255,)
        fill = (0, 0, 0, int(rng.integers(0, 80))) if col[0] > 128 else (255, 255, 255, int(rng.integers(0, 120)))
        c.d.rounded_rectangle((0, 0, w * SS - 1, h * SS - 1), rad, fill=fill, outline=col,
                              width=max(1, int(SS * rng.uniform(0.6, 1.5))))
    else:
        fill = _colour(rng) + (255,)
        col = (255, 255, 255, 255) if sum(fill[:3]) < 400 else (30, 30, 30, 255)
        c.d.rounded_rectangle((0, 0, w * SS - 1, h * SS - 1), rad, fill=fill)
    c.d.text(((w * SS - (r - l)) / 2 - l, (h * SS - (b - t)) / 2 - t), text, font=font, fill=col)
    return c.patch(), True


def draw_negative(rng: np.random.Generator, a: Assets, dens: float) -> np.ndarray:
    """A hard negative: an icon (bare, in a disc, app-icon tile), a word, a tag, a CTA, an avatar."""
    k = rng.choice(["icon", "icon_disc", "app", "word", "cta", "avatar"], p=[.3, .15, .1, .2, .15, .1])
    if k in ("icon", "icon_disc", "app"):
        s = int(rng.uniform(10, 48 if k != "app" else 60) * dens)
        c = _Canvas(s, s)
        icon = a.neg_icons[int(rng.integers(len(a.neg_icons)))]
        col = _colour(rng, light=rng.random() < 0.5)
        if k == "icon":
            _icon_layer(c, icon.mask, (0, 0, s, s), col)
        else:
            fill = _colour(rng) + (int(rng.choice([255, 200, 140])),)
            if k == "icon_disc":
                c.d.ellipse((0, 0, s * SS - 1, s * SS - 1), fill=fill)
            else:
                c.d.rounded_rectangle((0, 0, s * SS - 1, s * SS - 1), int(s * SS * 0.22), fill=fill)
            g = s * 0.55
            _icon_layer(c, icon.mask, ((s - g) / 2, (s - g) / 2, (s + g) / 2, (s + g) / 2), col)
        return c.patch()
    if k == "avatar":
        s = int(rng.uniform(20, 56) * dens)
        photo = a.photos[int(rng.integers(len(a.photos)))]
        y, x = int(rng.integers(0, photo.shape[0] - 40)), int(rng.integers(0, photo.shape[1] - 40))
        side = int(rng.integers(30, min(photo.shape[0] - y, photo.shape[1] - x) + 1))
        crop = cv2.resize(photo[y:y + side, x:x + side], (s, s), interpolation=cv2.INTER_AREA)
        m = np.zeros((s * SS, s * SS), np.uint8)
        cv2.circle(m, (s * SS // 2, s * SS // 2), s * SS // 2 - 1, 255, -1, cv2.LINE_AA)
        alpha = cv2.resize(m, (s, s), interpolation=cv2.INTER_AREA).astype(np.float32)[..., None] / 255
        rgb = crop[..., ::-1].astype(np.float32) / 255
        return np.concatenate([rgb, alpha], axis=2)
    word = str(rng.choice(NEG_WORDS))
    patch, _ = draw_text_control(rng, word, rng.uniform(9, 20) * dens, "text")
    return patch


# ---------------------------------------------------------------------------------------------
# Frames
# ---------------------------------------------------------------------------------------------


def _paste(frame: np.ndarray, patch: np.ndarray, x: int, y: int, opacity: float) -> tuple[int, int, int, int] | None:
    """Alpha-blend an RGBA float patch at (x, y); the visible box (alpha > 0.2), or None."""
    H, W = frame.shape[:2]
    ph, pw = patch.shape[:2]
    x1, y1, x2, y2 = max(0, x), max(0, y), min(W, x + pw), min(H, y + ph)
    if x2 - x1 < 3 or y2 - y1 < 3:
        return None
    p = patch[y1 - y:y2 - y, x1 - x:x2 - x]
    al = p[..., 3:4] * opacity
    roi = frame[y1:y2, x1:x2].astype(np.float32)
    rgb = p[..., 2::-1] * 255.0  # RGB -> BGR
    frame[y1:y2, x1:x2] = np.clip(roi * (1 - al) + rgb * al, 0, 255).astype(np.uint8)
    ys, xs = np.nonzero(p[..., 3] > 0.2)
    if len(xs) == 0:
        return None
    return (x1 + int(xs.min()), y1 + int(ys.min()), x1 + int(xs.max()) + 1, y1 + int(ys.max()) + 1)


def _background(rng: np.random.Generator, a: Assets, W: int, H: int) -> np.ndarray:
    r = rng.random()
    if r < 0.6:
        src = a.screens[int(rng.integers(len(a.screens)))]
    elif r < 0.85:
        src = a.photos[int(rng.integers(len(a.photos)))]
    else:  # procedural: gradient + blobs, blurred
        g = np.zeros((256, 128, 3), np.float32)
        c1, c2 = rng.integers(0, 256, 3), rng.integers(0, 256, 3)
        t = np.linspace(0, 1, 256)[:, None, None]
        g[:] = c1 * (1 - t) + c2 * t
        for _ in range(int(rng.integers(3, 12))):
            cv2.circle(g, (int(rng.integers(0, 128)), int(rng.integers(0, 256))), int(rng.integers(5, 60)),
                       tuple(float(v) for v in rng.integers(0, 256, 3)), -1)
        src = cv2.GaussianBlur(g, (0, 0), float(rng.uniform(1, 8))).astype(np.uint8)
    sh, sw = src.shape[:2]
    # a random crop of the source with the target's aspect, then resized
    ar = H / W
    cw = int(sw * rng.uniform(0.6, 1.0)) if sh / sw >= ar else int(sh / ar)
    cw = min(cw, sw, int(sh / ar))
    ch = int(cw * ar)
    x0, y0 = int(rng.integers(0, sw - cw + 1)), int(rng.integers(0, sh - ch + 1))
    return cv2.resize(src[y0:y0 + ch, x0:x0 + cw], (W, H), interpolation=cv2.INTER_AREA if cw > W else cv2.INTER_LINEAR)


def make_frame(rng: np.random.Generator, a: Assets) -> tuple[np.ndarray, float, list[Item]]:
    """One synthetic frame: (BGR uint8 (H, W, 3), density px/dp, drawn items)."""
    dens = float(rng.uniform(1.5, 4.0))
    wdp = float(rng.choice([360, 375, 393, 412]))
    W = int(wdp * dens)
    H = int(W * rng.uniform(1.9, 2.2))
    frame = _background(rng, a, W, H).copy()
    items: list[Item] = []
    card = None
    if rng.random() < 0.45:  # pop-up: scrim + card
        frame = (frame.astype(np.float32) * rng.uniform(0.25, 0.75)).astype(np.uint8)
        cw = int(W * rng.uniform(0.6, 0.9))
        chh = int(cw * rng.uniform(0.8, 1.6))
        cx1, cy1 = (W - cw) // 2, int(rng.integers(int(0.1 * H), max(int(0.1 * H) + 1, H - chh - int(0.15 * H))))
        card = (cx1, cy1, cx1 + cw, cy1 + chh)
        if rng.random() < 0.6:
            photo = a.photos[int(rng.integers(len(a.photos)))] if rng.random() < 0.5 else a.screens[int(rng.integers(len(a.screens)))]
            frame[cy1:cy1 + chh, cx1:cx1 + cw] = cv2.resize(photo, (cw, chh), interpolation=cv2.INTER_AREA)
        else:
            frame[cy1:cy1 + chh, cx1:cx1 + cw] = _colour(rng, light=rng.random() < 0.7)[::-1]
    # positives
    for _ in range(int(rng.choice([1, 1, 2, 3]))):
        kind = str(rng.choice(KINDS, p=[.5, .3, .2]))
        if kind == "x_icon":
            patch = draw_x_icon(rng, a, rng.uniform(8, 48) * dens)
        elif kind == "text":
            patch, _ = draw_text_control(rng, str(rng.choice(TEXT_WORDS)), rng.uniform(9, 20) * dens, kind)
        else:
            text = str(rng.choice(COUNTDOWN_FORMS)).format(n=int(rng.integers(1, 10)))
            patch, _ = draw_text_control(rng, text, rng.uniform(9, 18) * dens, kind)
        ph, pw = patch.shape[:2]
        x, y = _place(rng, W, H, pw, ph, card, dens)
        opacity = float(rng.choice([1.0, 1.0, rng.uniform(0.25, 1.0)]))
        box = _paste(frame, patch, x, y, opacity)
        if box is not None and all(_iou(box, it.box) < 0.05 for it in items):
            items.append(Item(box, kind))
        elif box is not None:
            items.append(Item(box, None))  # overlapping: ambiguous, excluded from the crops
    for _ in range(int(rng.integers(2, 7))):
        patch = draw_negative(rng, a, dens)
        ph, pw = patch.shape[:2]
        x, y = _place(rng, W, H, pw, ph, card, dens)
        if any(_iou((x, y, x + pw, y + ph), it.box) > 0 for it in items):
            continue
        box = _paste(frame, patch, x, y, float(rng.uniform(0.6, 1.0)))
        if box is not None:
            items.append(Item(box, None))
    if card is not None and rng.random() < 0.15:  # a screenshot cropped to the pop-up
        m = int(40 * dens)
        x1, y1 = max(0, card[0] - m), max(0, card[1] - m)
        x2, y2 = min(W, card[2] + m), min(H, card[3] + 2 * m)
        frame = np.ascontiguousarray(frame[y1:y2, x1:x2])
        items = [Item((b.box[0] - x1, b.box[1] - y1, b.box[2] - x1, b.box[3] - y1), b.kind) for b in items
                 if b.box[0] >= x1 and b.box[1] >= y1 and b.box[2] <= x2 and b.box[3] <= y2]
    if rng.random() < 0.8:
        ok, buf = cv2.imencode(".jpg", frame, [cv2.IMWRITE_JPEG_QUALITY, int(rng.integers(45, 96))])
        frame = cv2.imdecode(buf, cv2.IMREAD_COLOR)
    return frame, dens, items


def _place(rng: np.random.Generator, W: int, H: int, pw: int, ph: int, card, dens: float) -> tuple[int, int]:
    m = int(rng.uniform(4, 24) * dens)
    r = rng.random()
    if card is not None and r < 0.5:
        cx1, cy1, cx2, cy2 = card
        where = rng.choice(["corner_in", "corner_on", "below", "bottom_in"])
        if where == "corner_in":
            return cx2 - pw - m // 2, cy1 + m // 2
        if where == "corner_on":
            return cx2 - pw // 2, cy1 - ph // 2
        if where == "below":
            return (cx1 + cx2 - pw) // 2, cy2 + int(rng.uniform(12, 40) * dens)
        return int(rng.integers(cx1, max(cx1 + 1, cx2 - pw))), cy2 - ph - m // 2
    if r < 0.75:
        top = int(rng.uniform(24, 90) * dens)
        if rng.random() < 0.75:
            return W - pw - m, top
        return m, top
    return int(rng.integers(0, max(1, W - pw))), int(rng.integers(0, max(1, H - ph)))


def _iou(a, b) -> float:
    ix = max(0, min(a[2], b[2]) - max(a[0], b[0]))
    iy = max(0, min(a[3], b[3]) - max(a[1], b[1]))
    inter = ix * iy
    if inter == 0:
        return 0.0
    return inter / ((a[2] - a[0]) * (a[3] - a[1]) + (b[2] - b[0]) * (b[3] - b[1]) - inter)
