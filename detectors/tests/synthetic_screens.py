"""Phone screens rendered in headless Chromium, with labels from the DOM: a held-out check set.

Nothing here is a real app: every page is HTML written for this project (Android-style status
bar, Material / iOS alert dialogs, bottom sheets, update / permission / rating dialogs, 开屏
splash ads, and ordinary screens: a launcher, a game menu, a feed and a recordings list with
banner ads, a paint canvas, a licence page, settings). Each page marks its dismiss controls
with ``data-close="text"|"x_icon"`` and its pop-up panel with ``id="card"``; the renderer reads
their boxes with ``getBoundingClientRect`` (× device pixel ratio = screenshot pixels), so the
labels are exact.

``render_set(out_dir)`` writes PNGs and a ``labels.jsonl`` in the shared corpus's format, so
``splashcheck eval OUT`` measures the detectors on them. Each pop-up page is written twice:
the whole screen (density known) and a crop of just the dialog (density unknown), since
real reports are often cropped to the dialog.

Run: ``python -m detectors.tests.synthetic_screens OUT_DIR`` (needs ``chromium`` and
``chromedriver``, which ``scripts/setup.sh`` installs).
"""

from __future__ import annotations

import json
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

__all__ = ["PAGES", "HARD_POPUPS", "HARD_NORMALS", "Page", "render_set", "chromium_available"]

CSS_W, CSS_H, DPR = 412, 915, 2.625  # the project's chromium-phone: 1082 × 2402 px
CROP_MARGIN_CSS = 10

STATUS_BAR = """
<div class="sb" style="position:fixed;left:0;top:0;right:0;height:24px;display:flex;align-items:center;
  justify-content:space-between;padding:0 14px;font:600 13px sans-serif;color:{fg};background:{bg};z-index:5">
  <span>9:41</span>
  <span style="display:flex;gap:5px;align-items:center">
    <i style="display:inline-block;width:14px;height:10px;background:{fg};clip-path:polygon(0 100%,100% 0,100% 100%)"></i>
    <i style="display:inline-block;width:12px;height:10px;border-radius:50% 50% 0 0;background:{fg}"></i>
    <i style="display:inline-block;width:20px;height:10px;border:1.5px solid {fg};border-radius:2px"></i>
  </span>
</div>"""

BASE_CSS = """
<style>
html,body{margin:0;padding:0;width:412px;height:915px;overflow:hidden;font-family:'WenQuanYi Zen Hei',sans-serif}
.scrim{position:fixed;inset:0;background:rgba(0,0,0,.5);z-index:10}
.center{position:fixed;left:50%;top:50%;transform:translate(-50%,-50%);z-index:11}
.row{display:flex;align-items:center}
</style>"""

FEED = """
<div style="position:absolute;top:24px;left:0;right:0;bottom:0;background:#f4f4f4">
  <div style="height:52px;background:#fff;display:flex;align-items:center;padding:0 16px;font-size:19px;
    font-weight:bold;border-bottom:1px solid #ddd">动态</div>
  {items}
</div>"""


def _feed_items(n: int = 7) -> str:
    colours = ["#e57373", "#64b5f6", "#81c784", "#ffb74d", "#ba68c8", "#4db6ac", "#a1887f"]
    titles = ["周末去哪儿玩？这份攻略请收好", "新款手机评测：续航提升明显", "今日股市收盘点评", "春季养生小知识",
              "城市马拉松报名开启", "一分钟学会做蛋炒饭", "深夜食堂：烧烤摊的故事"]
    out = []
    for i in range(n):
        out.append(f"""<div style="background:#fff;margin:8px 0;padding:12px 16px;display:flex;gap:12px">
          <div style="width:96px;height:72px;border-radius:6px;background:linear-gradient(135deg,{colours[i % 7]},#333)"></div>
          <div style="flex:1"><div style="font-size:16px;color:#222;line-height:22px">{titles[i % 7]}</div>
          <div style="font-size:12px;color:#999;margin-top:8px">{120 + 37 * i} 评论 · {i + 1} 小时前</div></div></div>""")
    return "".join(out)


@dataclass(frozen=True)
class Page:
    """One synthetic screen: its HTML body and what it is."""

    name: str
    screen: str  # the corpus's screen types: popup_dialog, bottom_sheet, ad_interstitial, splash_ad, normal
    has_popup: bool
    body: str
    status_bar: bool = True
    crop: bool = True  # also write a crop of the #card element


def _page(body: str, *, sb: bool = True, sb_fg: str = "#222", sb_bg: str = "#fff") -> str:
    bar = STATUS_BAR.format(fg=sb_fg, bg=sb_bg) if sb else ""
    return f"<html><head><meta charset='utf-8'><meta name='viewport' content='width=device-width,initial-scale=1'>{BASE_CSS}</head><body>{bar}{body}</body></html>"


def _alert(title: str, message: str, buttons: str, *, width: int = 300, radius: int = 8, extra: str = "") -> str:
    return f"""{FEED.format(items=_feed_items())}<div class="scrim"></div>
<div id="card" class="center" style="width:{width}px;background:#fff;border-radius:{radius}px;
  box-shadow:0 8px 24px rgba(0,0,0,.3)">{extra}
  <div style="padding:22px 24px 8px;font-size:19px;font-weight:bold;color:#222">{title}</div>
  <div style="padding:0 24px 18px;font-size:15px;line-height:22px;color:#555">{message}</div>
  {buttons}
</div>"""


def _material_buttons(neg: str, pos: str) -> str:
    return f"""<div class="row" style="justify-content:flex-end;gap:8px;padding:4px 12px 12px">
  <span data-close="text" style="padding:10px 12px;font-size:15px;color:#1a73e8">{neg}</span>
  <span style="padding:10px 12px;font-size:15px;color:#1a73e8;font-weight:bold">{pos}</span></div>"""


def _ios_buttons(neg: str, pos: str) -> str:
    return f"""<div class="row" style="border-top:1px solid #ddd;height:48px">
  <div style="flex:1;height:100%;display:flex;align-items:center;justify-content:center;border-right:1px solid #ddd">
    <span data-close="text" style="font-size:17px;color:#666">{neg}</span></div>
  <div style="flex:1;height:100%;display:flex;align-items:center;justify-content:center">
    <span style="font-size:17px;color:#ff5000;font-weight:bold">{pos}</span></div></div>"""


def _pill_buttons(neg: str, pos: str, colour: str = "#ff5a2c") -> str:
    return f"""<div class="row" style="gap:12px;padding:4px 20px 20px">
  <div data-close="text" style="flex:1;height:40px;border-radius:20px;border:1px solid #ccc;display:flex;
    align-items:center;justify-content:center;font-size:15px;color:#666">{neg}</div>
  <div style="flex:1;height:40px;border-radius:20px;background:{colour};display:flex;align-items:center;
    justify-content:center;font-size:15px;color:#fff">{pos}</div></div>"""


def _sheet(rows: str, cancel: str) -> str:
    return f"""{FEED.format(items=_feed_items())}<div class="scrim"></div>
<div id="card" style="position:fixed;left:0;right:0;bottom:0;background:#fff;border-radius:12px 12px 0 0;z-index:11">
  {rows}
  <div style="height:8px;background:#f2f2f2"></div>
  <div style="height:54px;display:flex;align-items:center;justify-content:center">
    <span data-close="text" style="font-size:17px;color:#333">{cancel}</span></div>
</div>"""


def _share_rows() -> str:
    names = ["微信", "朋友圈", "QQ", "微博", "复制链接", "保存图片", "举报", "不感兴趣"]
    cols = ["#07c160", "#2aae67", "#12b7f5", "#e6162d", "#888", "#f5a623", "#999", "#bbb"]
    cells = "".join(f"""<div style="width:25%;display:flex;flex-direction:column;align-items:center;margin:10px 0">
      <div style="width:48px;height:48px;border-radius:12px;background:{c}"></div>
      <div style="font-size:12px;color:#555;margin-top:6px">{n}</div></div>""" for n, c in zip(names, cols))
    return f"""<div style="padding:16px 16px 4px;font-size:14px;color:#888">分享到</div>
      <div style="display:flex;flex-wrap:wrap;padding:0 8px 10px">{cells}</div>"""


def _splash(pill: str) -> str:
    return f"""<div style="position:fixed;inset:0;background:#fff">
  <div style="position:absolute;left:0;right:0;top:0;bottom:130px;
     background:radial-gradient(circle at 30% 30%,#ffd54f,#ff7043 45%,#6a1b9a 90%)">
    <div style="position:absolute;left:30px;top:300px;font-size:40px;color:#fff;font-weight:bold">夏日狂欢节</div>
    <div style="position:absolute;left:30px;top:360px;font-size:20px;color:#fff">全场低至五折 限时抢购</div>
    <div style="position:absolute;left:60px;right:60px;bottom:70px;height:52px;border-radius:26px;background:rgba(0,0,0,.35);
       color:#fff;font-size:17px;display:flex;align-items:center;justify-content:center">点击跳转详情页或第三方应用</div>
    <div style="position:absolute;left:12px;bottom:12px;font-size:11px;color:#fff;background:rgba(0,0,0,.3);padding:1px 4px">广告</div>
    {pill}
  </div>
  <div style="position:absolute;left:0;right:0;bottom:0;height:130px;display:flex;align-items:center;justify-content:center">
    <div style="width:44px;height:44px;border-radius:10px;background:#e53935"></div>
    <span style="font-size:22px;margin-left:10px;color:#222;font-weight:bold">好物商城</span></div>
</div>"""


POPUPS: list[Page] = [
    Page("material-alert-cn", "popup_dialog", True, _alert(
        "提示", "确定要删除这条记录吗？删除后将无法恢复。", _material_buttons("取消", "确定"))),
    Page("ios-update-later", "popup_dialog", True, _alert(
        "发现新版本 v5.2.0", "1. 全新首页设计<br>2. 修复已知问题，提升稳定性<br>3. 优化启动速度",
        _ios_buttons("以后再说", "立即更新"), width=280, radius=14)),
    Page("update-no-update", "popup_dialog", True, _alert(
        "版本更新", "新版本带来了更流畅的体验，建议立即升级。", _pill_buttons("暂不更新", "立即升级"),
        extra="<div style='height:110px;border-radius:8px 8px 0 0;background:linear-gradient(135deg,#42a5f5,#1565c0)'></div>")),
    Page("permission-not-now", "popup_dialog", True, _alert(
        "开启消息通知", "及时获取订单状态、物流信息和优惠活动提醒。", _pill_buttons("暂不开启", "去开启", "#07c160"))),
    Page("next-time", "popup_dialog", True, _alert(
        "开启定位服务", "为您推荐附近的门店和优惠。", _ios_buttons("下次再说", "去设置"), width=280, radius=14)),
    Page("share-sheet-cn", "bottom_sheet", True, _sheet(_share_rows(), "取消")),
    Page("sheet-en-cancel", "bottom_sheet", True, _sheet(
        "".join(f"<div style='height:52px;display:flex;align-items:center;padding:0 20px;font-size:16px;"
                f"border-bottom:1px solid #eee'>{t}</div>" for t in ("Take photo", "Choose from library", "Save image")),
        "Cancel")),
    Page("rating-not-now", "popup_dialog", True, _alert(
        "Enjoying the app?", "If you like it, please take a moment to rate us. Thanks for your support!",
        _material_buttons("NOT NOW", "RATE NOW"))),
    Page("dont-show", "popup_dialog", True, _alert(
        "What's new", "Dark mode is here. Switch it on in Settings any time.",
        _material_buttons("Don't Show", "OK"))),
    Page("no-thanks-en", "popup_dialog", True, _alert(
        "Get Premium", "Remove ads and unlock all themes with a 7-day free trial.",
        _pill_buttons("No thanks", "Try free", "#7b1fa2"))),
    Page("red-packet-refuse", "popup_dialog", True, f"""{FEED.format(items=_feed_items())}<div class="scrim"></div>
<div id="card" class="center" style="width:290px;height:380px;border-radius:16px;
  background:linear-gradient(180deg,#f44336,#c62828);text-align:center;color:#ffe082">
  <div style="margin-top:60px;font-size:22px">恭喜获得新人红包</div>
  <div style="margin-top:20px;font-size:56px;font-weight:bold">88<span style="font-size:20px">元</span></div>
  <div style="margin:50px auto 0;width:180px;height:46px;border-radius:23px;background:#ffca28;color:#b71c1c;
    font-size:18px;line-height:46px">立即领取</div>
  <div style="margin-top:18px"><span data-close="text" style="font-size:14px;color:#ffcdd2">残忍拒绝</span></div>
</div>"""),
    Page("no-thanks-cn", "popup_dialog", True, _alert(
        "加入会员", "开通会员即可享受免广告、高清画质等特权。", _ios_buttons("不了", "立即开通"), width=280, radius=14)),
    Page("splash-skip-countdown", "splash_ad", True, _splash(
        """<div data-close="text" style="position:absolute;right:16px;top:40px;height:28px;padding:0 12px;border-radius:14px;
        background:rgba(0,0,0,.4);color:#fff;font-size:14px;display:flex;align-items:center">跳过 3</div>"""),
        status_bar=False, crop=False),
    Page("splash-skip-bar", "splash_ad", True, _splash(
        """<div data-close="text" style="position:absolute;right:16px;top:40px;height:28px;padding:0 12px;border-radius:14px;
        background:rgba(0,0,0,.4);color:#fff;font-size:14px;display:flex;align-items:center">5s | 跳过</div>"""),
        status_bar=False, crop=False),
]


def _launcher() -> str:
    cols = ["#e53935", "#43a047", "#1e88e5", "#fdd835", "#8e24aa", "#00acc1", "#fb8c00", "#6d4c41",
            "#3949ab", "#c0ca33", "#d81b60", "#00897b", "#5e35b1", "#f4511e", "#546e7a", "#7cb342"]
    names = ["相机", "相册", "设置", "日历", "音乐", "天气", "地图", "时钟", "邮件", "备忘录", "视频", "钱包",
             "商店", "浏览器", "文件", "计算器"]
    cells = "".join(f"""<div style="width:25%;display:flex;flex-direction:column;align-items:center;margin:14px 0">
      <div style="width:56px;height:56px;border-radius:16px;background:{c}"></div>
      <div style="font-size:12px;color:#fff;margin-top:6px;text-shadow:0 1px 2px #000">{n}</div></div>""" for c, n in zip(cols, names))
    dock = "".join(f"<div style='width:56px;height:56px;border-radius:16px;background:{c}'></div>" for c in cols[:4])
    return f"""<div style="position:fixed;inset:0;background:linear-gradient(160deg,#1a237e,#4a148c 50%,#880e4f)">
  <div style="margin-top:60px;text-align:center;color:#fff;font-size:56px;font-weight:200">9:41</div>
  <div style="text-align:center;color:#fff;font-size:15px">12月7日 星期一</div>
  <div style="display:flex;flex-wrap:wrap;padding:40px 8px 0">{cells}</div>
  <div style="position:absolute;left:16px;right:16px;bottom:24px;height:84px;border-radius:28px;
    background:rgba(255,255,255,.2);display:flex;justify-content:space-around;align-items:center">{dock}</div></div>"""


def _game_menu() -> str:
    btn = ("display:block;margin:18px auto;width:220px;height:56px;border-radius:28px;font-size:22px;color:#fff;"
           "text-align:center;line-height:56px;font-weight:bold;box-shadow:0 4px 0 #0004")
    return f"""<div style="position:fixed;inset:0;background:radial-gradient(circle at 50% 20%,#4fc3f7,#01579b 60%,#002f6c)">
  <div style="position:absolute;left:12px;top:14px;height:30px;padding:0 12px;border-radius:15px;background:#0006;
    color:#ffd54f;font-size:16px;line-height:30px">金币 12,480</div>
  <div style="position:absolute;right:12px;top:14px;width:36px;height:36px;border-radius:18px;background:#0006;
    color:#fff;font-size:22px;text-align:center;line-height:36px">⚙</div>
  <div style="margin-top:170px;text-align:center;font-size:48px;color:#fff;font-weight:bold;text-shadow:0 4px 0 #e65100">消除大作战</div>
  <div style="margin-top:120px">
    <div style="{btn};background:#43a047">开始游戏</div>
    <div style="{btn};background:#fb8c00">排行榜</div>
    <div style="{btn};background:#8e24aa">商店</div></div>
  <div style="position:absolute;bottom:30px;width:100%;text-align:center;color:#fff9;font-size:13px">版本 2.3.1</div></div>"""


def _list_with_banner(title: str, rows: list[str]) -> str:
    items = "".join(f"""<div style="height:64px;display:flex;align-items:center;padding:0 16px;border-bottom:1px solid #eee">
      <div style="width:40px;height:40px;border-radius:20px;background:#ef5350;color:#fff;text-align:center;
        line-height:40px">▶</div><div style="margin-left:14px"><div style="font-size:16px">{r}</div>
      <div style="font-size:12px;color:#999">00:{10 + 7 * i:02d} · 2026-12-0{1 + i % 7}</div></div></div>"""
                    for i, r in enumerate(rows))
    return f"""<div style="position:absolute;top:24px;left:0;right:0;bottom:0;background:#fff">
  <div style="height:56px;background:#d32f2f;color:#fff;display:flex;align-items:center;padding:0 16px;font-size:20px">{title}</div>
  {items}
  <div style="position:absolute;left:0;right:0;bottom:0;height:60px;background:linear-gradient(90deg,#fff3e0,#ffe0b2);
    display:flex;align-items:center;padding:0 12px;border-top:1px solid #ddd">
    <div style="width:44px;height:44px;border-radius:8px;background:#ff9800"></div>
    <div style="margin-left:10px;font-size:14px;color:#333;flex:1">超值好货 每日特价</div>
    <div style="font-size:13px;color:#fff;background:#ff5722;padding:6px 12px;border-radius:14px">立即下载</div>
    <div style="position:absolute;left:2px;top:2px;font-size:9px;color:#999;border:1px solid #bbb;padding:0 2px">广告</div>
    <div style="position:absolute;right:4px;top:2px;font-size:12px;color:#999">×</div></div></div>"""


def _canvas() -> str:
    strokes = "".join(f"<path d='M{30 + 40 * i} {200 + 30 * (i % 3)} Q {120 + 20 * i} {420 - 15 * i} {300 - 10 * i} {600 + 20 * i}' "
                      f"stroke='{c}' stroke-width='{4 + i}' fill='none' stroke-linecap='round'/>"
                      for i, c in enumerate(["#e53935", "#1e88e5", "#43a047", "#fdd835", "#222", "#8e24aa"]))
    tools = "".join(f"<div style='width:32px;height:32px;border-radius:16px;background:{c};margin:0 6px'></div>"
                    for c in ["#222", "#e53935", "#1e88e5", "#43a047", "#fdd835", "#fff"])
    return f"""<div style="position:absolute;top:24px;left:0;right:0;bottom:0;background:#fafafa">
  <div style="height:52px;display:flex;align-items:center;justify-content:space-between;padding:0 16px;background:#fff;
    border-bottom:1px solid #ddd;font-size:17px"><span>‹ 画板</span><span>撤销 重做 保存</span></div>
  <svg width="412" height="700" style="background:#fff">{strokes}</svg>
  <div style="position:absolute;left:0;right:0;bottom:0;height:80px;background:#eee;display:flex;align-items:center;
    justify-content:center">{tools}</div></div>"""


def _licence() -> str:
    para = ("Licensed under the Apache License, Version 2.0 (the \"License\"); you may not use this file except "
            "in compliance with the License. You may obtain a copy of the License at http://www.apache.org/licenses/"
            "LICENSE-2.0. Unless required by applicable law or agreed to in writing, software distributed under the "
            "License is distributed on an \"AS IS\" BASIS, WITHOUT WARRANTIES OR CONDITIONS OF ANY KIND. ")
    return f"""<div style="position:absolute;top:24px;left:0;right:0;bottom:0;background:#fff">
  <div style="height:56px;display:flex;align-items:center;padding:0 16px;font-size:20px;border-bottom:1px solid #ddd">
    ← Open source licences</div>
  <div style="padding:12px 16px;font-size:14px;line-height:20px;color:#333">
    <b>okhttp</b><br>{para}<br><br><b>glide</b><br>{para}<br><br><b>gson</b><br>{para}</div></div>"""


def _settings() -> str:
    rows = ["账号与安全", "消息通知", "隐私", "通用", "清除缓存", "关于我们", "帮助与反馈", "退出登录"]
    items = "".join(f"<div style='height:56px;display:flex;align-items:center;justify-content:space-between;padding:0 16px;"
                    f"border-bottom:1px solid #eee;font-size:16px'><span>{r}</span><span style='color:#bbb'>›</span></div>"
                    for r in rows)
    return f"""<div style="position:absolute;top:24px;left:0;right:0;bottom:0;background:#f5f5f5">
  <div style="height:52px;background:#fff;display:flex;align-items:center;padding:0 16px;font-size:18px">‹ 设置</div>
  <div style="background:#fff;margin-top:10px">{items}</div></div>"""


def _search() -> str:
    return f"""<div style="position:absolute;top:24px;left:0;right:0;bottom:0;background:#fff">
  <div style="height:56px;display:flex;align-items:center;padding:0 12px;gap:10px">
    <div style="flex:1;height:36px;border-radius:18px;background:#f0f0f0;display:flex;align-items:center;padding:0 14px;
      color:#333;font-size:15px">蓝牙耳机<span style="margin-left:auto;color:#999">×</span></div>
    <span style="font-size:16px;color:#333">取消</span></div>
  <div style="padding:10px 16px;color:#999;font-size:13px">历史记录</div>
  {_feed_items(5)}</div>"""


NORMALS: list[Page] = [
    Page("launcher-home", "normal", False, _launcher(), crop=False),
    Page("game-menu", "normal", False, _game_menu(), status_bar=False, crop=False),
    Page("feed", "normal", False, FEED.format(items=_feed_items()), crop=False),
    Page("recordings-banner-ad", "normal", False, _list_with_banner(
        "录音", ["会议记录 1", "采访 张老师", "灵感 12月5日", "课堂 线性代数", "备忘 早上", "通话录音 138****"]), crop=False),
    Page("paint-canvas", "normal", False, _canvas(), crop=False),
    Page("licence-page", "normal", False, _licence(), crop=False),
    Page("settings", "normal", False, _settings(), crop=False),
    Page("search-cancel", "normal", False, _search(), crop=False),
]

# --- harder screens (the text cascade, detectors/text_cascade.py): labels the cheap line
# selection tends not to read — a dismiss text among many candidate lines, a bare text on a
# full-screen ad (no pill), a text link below a promo card, a dialog without a scrim — and
# ordinary screens that carry the same words or a call to action and must stay non-pop-ups.


def _photo(seed: int) -> str:
    """A busy full-bleed "photo": layered gradients (no text)."""
    c = ["#ff8a65", "#4db6ac", "#9575cd", "#f06292", "#4fc3f7", "#aed581", "#ffd54f", "#7986cb"]
    a, b, d = c[seed % 8], c[(seed + 3) % 8], c[(seed + 5) % 8]
    return (f"radial-gradient(circle at {20 + 13 * seed % 60}% {30 + 7 * seed % 40}%,{a},transparent 40%),"
            f"radial-gradient(circle at {70 - 11 * seed % 50}% {70 - 5 * seed % 30}%,{b},transparent 45%),"
            f"linear-gradient({35 + 40 * seed}deg,{d},#263238)")


def _poster(seed: int, control: str, *, cta: str = "立即领取", sb: bool = False) -> str:
    """A full-screen promo / ad poster (a photo, a headline, a call to action) with ``control``."""
    top = 24 if sb else 0
    return f"""<div style="position:fixed;left:0;right:0;bottom:0;top:{top}px;background:{_photo(seed)}">
  <div style="position:absolute;left:28px;right:28px;top:230px;font-size:36px;color:#fff;font-weight:bold;
    text-shadow:0 2px 6px #0008">年终盛典 好礼相送</div>
  <div style="position:absolute;left:28px;right:28px;top:290px;font-size:17px;line-height:26px;color:#fffd">
    爆款直降 满300减50<br>新人专享 首单包邮<br>活动时间 12月1日-12月12日</div>
  <div style="position:absolute;left:70px;right:70px;bottom:150px;height:50px;border-radius:25px;background:#ffca28;
    color:#b71c1c;font-size:19px;display:flex;align-items:center;justify-content:center;font-weight:bold">{cta}</div>
  {control}</div>"""


def _chips(labels: list[str], *, top: int, colour: str = "#fff3e0", fg: str = "#d84315") -> str:
    """Rows of short coupon / tag chips (many short, boxed labels: they outrank a bare text)."""
    cells = "".join(f"<div style='margin:6px;padding:0 12px;height:30px;border-radius:15px;background:{colour};"
                    f"color:{fg};font-size:14px;line-height:30px'>{t}</div>" for t in labels)
    return (f"<div style='position:absolute;left:16px;right:16px;top:{top}px;display:flex;flex-wrap:wrap;"
            f"justify-content:center'>{cells}</div>")


COUPONS = ["满199减30", "包邮", "爆款直降", "限时秒杀", "新人价", "第二件半价", "品牌特卖", "领券再减", "会员专享",
           "买一送一", "次日达", "正品保障"]


def _chip_poster(seed: int, control: str, *, cta: str = "立即抢购", sb: bool = False) -> str:
    """A shopping splash / promo: a photo, a headline, a dozen coupon chips, a call to action."""
    return _poster(seed, _chips(COUPONS, top=420) + control, cta=cta, sb=sb)


def _interest_dialog(link: str, sp: int) -> str:
    """An onboarding dialog with a dozen topic chips and a text link below its main button."""
    topics = ["科技", "体育", "财经", "娱乐", "汽车", "美食", "旅行", "游戏", "动漫", "健康", "教育", "军事"]
    return f"""{FEED.format(items=_feed_items())}<div class="scrim"></div>
<div id="card" class="center" style="width:310px;background:#fff;border-radius:14px;padding-bottom:14px">
  <div style="padding:20px 20px 4px;font-size:18px;font-weight:bold;color:#222;text-align:center">选择你感兴趣的内容</div>
  <div style="padding:0 20px 6px;font-size:13px;color:#999;text-align:center">为你推荐更合口味的资讯</div>
  <div style="display:flex;flex-wrap:wrap;justify-content:center;padding:4px 10px">{''.join(
      f"<div style='margin:5px;width:76px;height:32px;border-radius:16px;background:#f2f2f2;color:#333;font-size:14px;"
      f"line-height:32px;text-align:center'>{t}</div>" for t in topics)}</div>
  <div style="margin:10px 24px 0;height:44px;border-radius:22px;background:#ff5722;color:#fff;font-size:16px;
    display:flex;align-items:center;justify-content:center">开始阅读</div>
  <div style="margin-top:10px;text-align:center"><span data-close="text" style="font-size:{sp}px;color:#999">{link}</span></div>
</div>"""


def _bare(text: str, sp: int, where: str, colour: str = "#fff") -> str:
    """A bare text control (no pill, no button) of ``sp`` at a place of a full-screen ad."""
    pos = {"top-right": "right:18px;top:44px", "top-left": "left:18px;top:44px",
           "bottom": "left:0;right:0;bottom:96px;text-align:center"}[where]
    return (f'<div style="position:absolute;{pos};font-size:{sp}px;color:{colour};text-shadow:0 1px 2px #0006">'
            f'<span data-close="text">{text}</span></div>')


def _long_sheet(options: list[str], cancel: str) -> str:
    rows = "".join(f"<div style='height:50px;display:flex;align-items:center;justify-content:center;font-size:16px;"
                   f"color:#222;border-bottom:1px solid #eee'>{o}</div>" for o in options)
    return _sheet(f"<div style='padding:14px;text-align:center;font-size:13px;color:#999'>请选择举报原因</div>{rows}",
                  cancel)


def _promo_card(link: str, sp: int) -> str:
    """A promo card on a scrim with a text link below it (the link outside the card)."""
    return f"""{FEED.format(items=_feed_items())}<div class="scrim"></div>
<div id="card" class="center" style="width:300px">
  <div style="height:400px;border-radius:16px;background:{_photo(4)};position:relative">
    <div style="position:absolute;top:40px;width:100%;text-align:center;font-size:26px;color:#fff;font-weight:bold">
      新人专享礼包</div>
    <div style="position:absolute;top:90px;width:100%;text-align:center;font-size:15px;color:#fffc">价值 128 元 限时领取</div>
    <div style="position:absolute;left:40px;right:40px;bottom:28px;height:46px;border-radius:23px;background:#fff;
      color:#e53935;font-size:18px;display:flex;align-items:center;justify-content:center">立即领取</div></div>
  <div style="margin-top:18px;text-align:center"><span data-close="text" style="font-size:{sp}px;color:#fff">{link}</span></div>
</div>"""


def _dark_alert(neg: str, pos: str) -> str:
    return f"""{FEED.format(items=_feed_items())}<div class="scrim" style="background:rgba(0,0,0,.7)"></div>
<div id="card" class="center" style="width:290px;background:#2c2c2e;border-radius:14px">
  <div style="padding:20px 20px 6px;text-align:center;font-size:17px;font-weight:bold;color:#eee">清除缓存</div>
  <div style="padding:0 20px 18px;text-align:center;font-size:13px;line-height:19px;color:#aaa">将清除 236 MB 的图片和视频缓存，
    不会删除聊天记录。</div>
  <div class="row" style="border-top:1px solid #444;height:44px">
    <div style="flex:1;height:100%;display:flex;align-items:center;justify-content:center;border-right:1px solid #444">
      <span data-close="text" style="font-size:16px;color:#8e8e93">{neg}</span></div>
    <div style="flex:1;height:100%;display:flex;align-items:center;justify-content:center">
      <span style="font-size:16px;color:#0a84ff">{pos}</span></div></div></div>"""


def _update_notes(link: str) -> str:
    notes = "".join(f"<div style='font-size:13px;line-height:20px;color:#666'>{i + 1}. {t}</div>" for i, t in enumerate(
        ["新增深色模式，夜间阅读更舒适", "首页改版，推荐更精准", "支持多设备同步阅读进度", "优化图片加载速度",
         "修复部分机型闪退问题", "修复搜索结果不准确的问题", "优化耗电", "其他已知问题修复"]))
    return f"""{FEED.format(items=_feed_items())}<div class="scrim"></div>
<div id="card" class="center" style="width:296px;background:#fff;border-radius:12px;padding-bottom:12px">
  <div style="height:96px;border-radius:12px 12px 0 0;background:linear-gradient(135deg,#26c6da,#00838f);color:#fff;
    font-size:22px;font-weight:bold;display:flex;align-items:center;padding-left:20px">发现新版本 V8.1</div>
  <div style="padding:12px 20px">{notes}</div>
  <div style="margin:6px 24px 0;height:44px;border-radius:22px;background:#00acc1;color:#fff;font-size:16px;
    display:flex;align-items:center;justify-content:center">立即更新</div>
  <div style="margin-top:10px;text-align:center"><span data-close="text" style="font-size:12px;color:#aaa">{link}</span></div>
</div>"""


def _no_scrim_dialog(neg: str, pos: str) -> str:
    """A dialog with a shadow but no scrim, over a white list page."""
    return f"""{_settings()}
<div id="card" class="center" style="width:300px;background:#fff;border-radius:10px;border:1px solid #e0e0e0;
  box-shadow:0 6px 30px rgba(0,0,0,.18)">
  <div style="padding:22px 22px 6px;font-size:18px;font-weight:bold;color:#222">退出登录</div>
  <div style="padding:0 22px 20px;font-size:15px;color:#666">退出后将无法接收消息提醒，确定退出吗？</div>
  <div class="row" style="justify-content:flex-end;gap:6px;padding:0 12px 12px">
    <span data-close="text" style="padding:10px 14px;font-size:15px;color:#888">{neg}</span>
    <span style="padding:10px 14px;font-size:15px;color:#e53935;font-weight:bold">{pos}</span></div></div>"""


HARD_POPUPS: list[Page] = [
    Page("ad-bare-skip-14", "ad_interstitial", True, _poster(1, _bare("跳过", 14, "top-right")), status_bar=False,
         crop=False),
    Page("ad-bare-close-12", "ad_interstitial", True, _poster(2, _bare("关闭", 12, "top-left")), status_bar=False,
         crop=False),
    Page("ad-bare-skip-18", "ad_interstitial", True, _poster(3, _bare("跳过", 18, "top-right")), status_bar=False,
         crop=False),
    Page("ad-later-13", "ad_interstitial", True, _poster(5, _bare("以后再说", 13, "bottom")), status_bar=False,
         crop=False),
    Page("promo-later-sb-14", "ad_interstitial", True, _poster(6, _bare("以后再说", 14, "bottom"), cta="立即参与",
                                                               sb=True), crop=False),
    Page("ad-skip-en-12", "ad_interstitial", True, _poster(7, _bare("Skip", 12, "top-right"), cta="INSTALL"),
         status_bar=False, crop=False),
    Page("promo-card-link-13", "popup_dialog", True, _promo_card("以后再说", 13)),
    Page("promo-card-link-12", "popup_dialog", True, _promo_card("暂不领取", 12)),
    Page("report-sheet-long", "bottom_sheet", True, _long_sheet(
        ["垃圾广告", "色情低俗", "政治敏感", "违法犯罪", "侮辱谩骂", "涉嫌诈骗", "侵犯隐私", "抄袭侵权", "其他"], "取消")),
    Page("dark-alert-cancel", "popup_dialog", True, _dark_alert("取消", "清除")),
    Page("update-notes-link-12", "popup_dialog", True, _update_notes("暂不更新")),
    Page("no-scrim-dialog", "popup_dialog", True, _no_scrim_dialog("取消", "确定")),
    Page("chips-ad-skip-14", "splash_ad", True, _chip_poster(0, _bare("跳过", 14, "top-right")), status_bar=False,
         crop=False),
    Page("chips-ad-close-12", "ad_interstitial", True, _chip_poster(4, _bare("关闭", 12, "top-left")),
         status_bar=False, crop=False),
    Page("chips-ad-skip-en-16", "splash_ad", True, _chip_poster(5, _bare("Skip", 16, "top-right"), cta="SHOP NOW"),
         status_bar=False, crop=False),
    Page("chips-promo-later-sb-13", "ad_interstitial", True, _chip_poster(6, _bare("以后再说", 13, "bottom"), sb=True),
         crop=False),
    Page("splash-logo-chips-skip-13", "splash_ad", True, _splash(_chips(COUPONS, top=440) + _bare("跳过", 13, "top-right")),
         status_bar=False, crop=False),
    Page("interest-dialog-skip-13", "popup_dialog", True, _interest_dialog("跳过", 13)),
    Page("interest-dialog-later-12", "popup_dialog", True, _interest_dialog("以后再说", 12)),
]


def _video_player() -> str:
    return f"""<div style="position:fixed;inset:0;background:#000">
  <div style="position:absolute;left:0;right:0;top:300px;height:232px;background:{_photo(2)}"></div>
  <div style="position:absolute;right:16px;top:470px;height:30px;padding:0 12px;border-radius:15px;background:#0008;
    color:#fff;font-size:13px;display:flex;align-items:center">跳过片头</div>
  <div style="position:absolute;left:16px;top:30px;color:#fff;font-size:16px">‹ 第 12 集</div>
  <div style="position:absolute;left:16px;right:16px;bottom:120px;height:3px;background:#555">
    <div style="width:40%;height:3px;background:#e53935"></div></div>
  <div style="position:absolute;left:16px;bottom:86px;color:#ccc;font-size:12px">12:41 / 45:03</div>
  <div style="position:absolute;left:16px;right:16px;bottom:30px;display:flex;justify-content:space-between;
    color:#fff;font-size:14px"><span>选集</span><span>倍速</span><span>清晰度</span><span>弹幕</span></div></div>"""


def _reader_page() -> str:
    para = ("夜色渐深，街边的路灯一盏接一盏地亮了起来。他站在桥头，望着远处的江面，心里想着白天发生的事情，"
            "久久不能平静。风从江上吹来，带着一丝凉意，他拉紧了外套，转身向家的方向走去。")
    return f"""<div style="position:fixed;inset:0;background:#f3e9d2;color:#3e2f1c;padding:40px 22px;font-size:18px;
  line-height:32px">第三十七章 归途<br>{para}{para}{para}{para}
  <div style="position:absolute;left:22px;right:22px;bottom:18px;display:flex;justify-content:space-between;
    font-size:12px;color:#8d7b5f"><span>37 / 420</span><span>关闭自动翻页</span><span>21:07</span></div></div>"""


def _game_result() -> str:
    btn = ("display:inline-block;width:150px;height:52px;border-radius:26px;font-size:19px;color:#fff;"
           "line-height:52px;text-align:center;margin:0 8px")
    return f"""<div style="position:fixed;inset:0;background:radial-gradient(circle at 50% 30%,#7e57c2,#311b92 70%)">
  <div style="margin-top:180px;text-align:center;font-size:44px;color:#ffd54f;font-weight:bold">胜利！</div>
  <div style="margin-top:30px;text-align:center;font-size:20px;color:#fff">得分 12,860　连击 x38</div>
  <div style="margin-top:200px;text-align:center"><span style="{btn};background:#43a047">再来一局</span>
    <span style="{btn};background:#fb8c00">返回首页</span></div></div>"""


def _order_page() -> str:
    rows = "".join(f"<div style='display:flex;justify-content:space-between;padding:10px 16px;font-size:14px;color:#555'>"
                   f"<span>{k}</span><span>{v}</span></div>" for k, v in
                   [("订单编号", "2026120712345678"), ("下单时间", "2026-12-07 10:21"), ("支付方式", "在线支付"),
                    ("配送方式", "快递"), ("商品金额", "¥ 299.00"), ("运费", "¥ 0.00")])
    return f"""<div style="position:absolute;top:24px;left:0;right:0;bottom:0;background:#f5f5f5">
  <div style="height:52px;background:#fff;display:flex;align-items:center;padding:0 16px;font-size:18px">‹ 订单详情</div>
  <div style="margin:10px;background:#fff;border-radius:8px;padding:14px 16px;font-size:16px;color:#e65100">等待付款
    <div style="font-size:13px;color:#999;margin-top:6px">请在 29 分钟内完成支付，超时订单将自动关闭</div></div>
  <div style="margin:10px;background:#fff;border-radius:8px">{rows}</div>
  <div style="position:absolute;left:0;right:0;bottom:0;height:60px;background:#fff;border-top:1px solid #eee;
    display:flex;align-items:center;justify-content:flex-end;gap:12px;padding:0 16px">
    <span style="height:34px;padding:0 16px;border:1px solid #ccc;border-radius:17px;line-height:34px;font-size:14px;
      color:#555">取消订单</span>
    <span style="height:34px;padding:0 16px;background:#ff5722;border-radius:17px;line-height:34px;font-size:14px;
      color:#fff">立即付款</span></div></div>"""


def _compose() -> str:
    return f"""<div style="position:absolute;top:24px;left:0;right:0;bottom:0;background:#fff">
  <div style="height:52px;display:flex;align-items:center;justify-content:space-between;padding:0 16px">
    <span style="font-size:16px;color:#333">取消</span>
    <span style="height:30px;padding:0 14px;border-radius:15px;background:#ff7043;color:#fff;font-size:15px;
      line-height:30px">立即发布</span></div>
  <div style="padding:16px;font-size:16px;color:#bbb">分享新鲜事…</div>
  <div style="display:flex;gap:8px;padding:0 16px">{''.join(f"<div style='width:100px;height:100px;border-radius:6px;background:{c}'></div>" for c in ("#90caf9", "#a5d6a7", "#eee"))}</div>
</div>"""


def _settings_values() -> str:
    rows = [("自动播放", "关闭"), ("消息提醒", "开启"), ("个性化推荐", "关闭"), ("省流模式", "关闭"), ("字体大小", "标准"),
            ("清除缓存", "236 MB")]
    items = "".join(f"<div style='height:56px;display:flex;align-items:center;justify-content:space-between;padding:0 16px;"
                    f"border-bottom:1px solid #eee;font-size:16px'><span>{k}</span><span style='color:#999;font-size:14px'>"
                    f"{v} ›</span></div>" for k, v in rows)
    return f"""<div style="position:absolute;top:24px;left:0;right:0;bottom:0;background:#f5f5f5">
  <div style="height:52px;background:#fff;display:flex;align-items:center;padding:0 16px;font-size:18px">‹ 通用设置</div>
  <div style="background:#fff;margin-top:10px">{items}</div>
  <div style="margin:30px 16px;height:46px;border-radius:23px;background:#fff;color:#e53935;font-size:16px;
    display:flex;align-items:center;justify-content:center">退出登录</div></div>"""


HARD_NORMALS: list[Page] = [
    Page("video-player-skip-intro", "normal", False, _video_player(), status_bar=False, crop=False),
    Page("reader-page", "normal", False, _reader_page(), status_bar=False, crop=False),
    Page("game-result", "normal", False, _game_result(), status_bar=False, crop=False),
    Page("order-cancel-order", "normal", False, _order_page(), crop=False),
    Page("compose-cancel", "normal", False, _compose(), crop=False),
    Page("settings-off-values", "normal", False, _settings_values(), crop=False),
]

PAGES: list[Page] = POPUPS + NORMALS + HARD_POPUPS + HARD_NORMALS


def chromium_available() -> bool:
    """True when headless Chromium and chromedriver can be used here."""
    return bool(shutil.which("chromedriver") or Path("/usr/bin/chromedriver").exists()) and bool(
        shutil.which("chromium") or Path("/usr/bin/chromium").exists())


def _driver() -> Any:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    opts = webdriver.ChromeOptions()
    opts.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    for a in ("--headless=new", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--disable-dev-shm-usage",
              "--no-first-run", "--disable-background-networking"):
        opts.add_argument(a)
    opts.add_experimental_option("mobileEmulation", {"deviceMetrics": {"width": CSS_W, "height": CSS_H,
                                                                        "pixelRatio": DPR, "touch": True}})
    return webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=opts)


_RECTS_JS = """
const r = e => { const b = e.getBoundingClientRect(); return [b.left, b.top, b.right, b.bottom]; };
return {close: [...document.querySelectorAll('[data-close]')].map(e => ({box: r(e), kind: e.dataset.close,
          text: e.dataset.close === 'text' ? e.textContent.trim() : null})),
        card: document.getElementById('card') ? r(document.getElementById('card')) : null};
"""


def _render(pages: list[Page]) -> Iterator[tuple[Page, Any, dict[str, Any]]]:
    """Yield (page, BGR image, DOM rects in CSS px) for each page."""
    import base64

    import cv2
    import numpy as np

    drv = _driver()
    try:
        for p in pages:
            html = _page(p.body, sb=p.status_bar)
            drv.get("data:text/html;charset=utf-8;base64," + base64.b64encode(html.encode()).decode())
            rects = drv.execute_script(_RECTS_JS)
            png = drv.get_screenshot_as_png()
            img = cv2.imdecode(np.frombuffer(png, np.uint8), cv2.IMREAD_COLOR)
            yield p, img, rects
    finally:
        drv.quit()


def _px(box: list[float], sx: float, sy: float, dx: int = 0, dy: int = 0) -> list[int]:
    return [int(round(box[0] * sx)) - dx, int(round(box[1] * sy)) - dy,
            int(round(box[2] * sx)) - dx, int(round(box[3] * sy)) - dy]


def render_set(out_dir: str | Path, pages: list[Page] | None = None) -> Path:
    """Render ``pages`` (default :data:`PAGES`) to ``out_dir`` with a ``labels.jsonl``.

    Returns
    -------
    Path
        ``out_dir``.
    """
    import cv2

    out = Path(out_dir)
    (out / "images").mkdir(parents=True, exist_ok=True)
    rows = []
    for p, img, rects in _render(pages or PAGES):
        h, w = img.shape[:2]
        sx, sy = w / CSS_W, h / CSS_H
        controls = [{"box": _px(c["box"], sx, sy), "touch_box": None, "kind": c["kind"], "text": c["text"],
                     "visibility": "clear", "label_source": "hierarchy"} for c in rects["close"]]
        name = f"images/{p.name}.png"
        cv2.imwrite(str(out / name), img)
        group = "synthetic-hard-" if p in HARD_POPUPS or p in HARD_NORMALS else "synthetic-"
        rows.append({"image": name, "source": group + ("popup" if p.has_popup else "normal"),
                     "width": w, "height": h, "density": DPR, "screen": p.screen, "has_popup": p.has_popup,
                     "close": controls, "fullscreen_jump": None, "notes": "rendered HTML", "origin": p.name})
        if p.crop and rects["card"] is not None:
            m = CROP_MARGIN_CSS
            x1, y1, x2, y2 = _px([rects["card"][0] - m, rects["card"][1] - m, rects["card"][2] + m,
                                  rects["card"][3] + m], sx, sy)
            x1, y1, x2, y2 = max(0, x1), max(0, y1), min(w, x2), min(h, y2)
            crop = img[y1:y2, x1:x2]
            cname = f"images/{p.name}-crop.png"
            cv2.imwrite(str(out / cname), crop)
            cc = [dict(c, box=[c["box"][0] - x1, c["box"][1] - y1, c["box"][2] - x1, c["box"][3] - y1])
                  for c in controls]
            rows.append({"image": cname, "source": group + "crop", "width": x2 - x1, "height": y2 - y1,
                         "density": None, "screen": p.screen, "has_popup": True, "close": cc,
                         "fullscreen_jump": None, "notes": "rendered HTML, cropped to the dialog",
                         "origin": p.name})
    (out / "labels.jsonl").write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows),
                                      encoding="utf-8")
    return out


if __name__ == "__main__":  # pragma: no cover
    if len(sys.argv) != 2:
        sys.exit("usage: python -m detectors.tests.synthetic_screens OUT_DIR")
    print(render_set(sys.argv[1]))
