/* "Ad pictures" of the demo gallery, drawn with CSS gradients and inline SVG (no image files).
 *
 * Ads.mount(el, name) paints el (the splash's .ad area): the CSS gradient fills the whole area and
 * the SVG (viewBox 412 × 800, scaled to fit, centred) carries the artwork and headline, so the poster
 * works at 412 × 915 and at 360 × 640 alike.
 */
(function () {
  'use strict';
  var SVG_OPEN = '<svg class="poster" viewBox="0 0 412 800" preserveAspectRatio="xMidYMid meet" xmlns="http://www.w3.org/2000/svg" aria-hidden="true">';

  function text(x, y, size, fill, s, extra) {
    return '<text x="' + x + '" y="' + y + '" font-size="' + size + '" fill="' + fill + '" text-anchor="middle" font-weight="bold" ' + (extra || '') + '>' + s + '</text>';
  }

  var POSTERS = {
    // orange-pink milk tea: 夏日新品 第二杯半价
    milktea: {
      bg: 'linear-gradient(180deg,#f08a5d 0%,#ffb38a 38%,#ffd3b6 70%,#ff9a76 100%)',
      svg: '<circle cx="340" cy="250" r="90" fill="#fff" opacity=".18"/><circle cx="60" cy="470" r="60" fill="#fff" opacity=".15"/>' +
        text(206, 200, 58, '#fff', '夏日新品', 'stroke="#e0603a" stroke-width="1.5"') +
        text(206, 258, 34, '#7a2e12', '第二杯半价') +
        '<g transform="translate(206 300) scale(.8)">' +
        '<rect x="-6" y="-40" width="12" height="110" rx="5" fill="#2d6a4f" transform="rotate(12)"/>' +
        '<path d="M-95 40 L95 40 L75 330 Q0 350 -75 330 Z" fill="#fff7ef" stroke="#e9c7ad" stroke-width="3"/>' +
        '<path d="M-90 110 L90 110 L76 325 Q0 345 -76 325 Z" fill="#f4a3a8"/>' +
        '<path d="M-86 200 L86 200 L76 325 Q0 345 -76 325 Z" fill="#e0787f"/>' +
        '<g fill="#3b2418"><circle cx="-40" cy="300" r="11"/><circle cx="-10" cy="310" r="11"/><circle cx="22" cy="302" r="11"/><circle cx="50" cy="292" r="11"/><circle cx="-58" cy="280" r="11"/><circle cx="5" cy="282" r="11"/></g>' +
        '<rect x="-110" y="22" width="220" height="26" rx="10" fill="#fff" stroke="#e9c7ad" stroke-width="3"/>' +
        '<circle cx="60" cy="160" r="26" fill="#fff" opacity=".55"/><circle cx="-50" cy="240" r="18" fill="#fff" opacity=".4"/></g>' +
        text(206, 612, 15, '#7a2e12', '活动时间 7月1日-7月31日 · 全国门店通用', 'font-weight="normal"'),
    },
    // sky-blue travel: 说走就走 特价机票低至199元
    travel: {
      bg: 'linear-gradient(180deg,#2b86c5 0%,#4facfe 40%,#8fd3f4 68%,#1f7ea1 100%)',
      svg: '<circle cx="320" cy="170" r="60" fill="#ffe082"/><circle cx="320" cy="170" r="84" fill="#ffe082" opacity=".25"/>' +
        '<g fill="#fff" opacity=".92"><ellipse cx="90" cy="150" rx="60" ry="20"/><ellipse cx="125" cy="135" rx="40" ry="24"/><ellipse cx="250" cy="260" rx="50" ry="16"/></g>' +
        '<path d="M70 330 L300 300 L330 290 Q350 288 345 300 L320 312 L180 360 L150 410 L130 412 L140 365 L90 378 L78 398 L66 399 L72 372 Z" fill="#fff"/>' +
        text(206, 500, 60, '#fff', '说走就走') + text(206, 556, 28, '#0b3d5c', '特价机票 低至199元') +
        '<path d="M0 640 Q100 610 206 640 T412 640 L412 800 L0 800 Z" fill="#1f7ea1" opacity=".8"/>' +
        '<path d="M0 680 Q100 650 206 680 T412 680 L412 800 L0 800 Z" fill="#16658a"/>',
    },
    // pale skincare (low-contrast top on purpose): 水润焕颜精华
    skincare: {
      bg: 'linear-gradient(180deg,#e3d5cd 0%,#e6d8cf 30%,#f2e4db 60%,#e8cfc3 100%)',
      svg: '<ellipse cx="206" cy="500" rx="110" ry="22" fill="#d9b8a8" opacity=".45"/>' +
        '<g transform="translate(206 240)"><rect x="-16" y="-10" width="32" height="60" rx="6" fill="#b48b7a"/>' +
        '<rect x="-26" y="40" width="52" height="26" rx="6" fill="#c9a392"/>' +
        '<rect x="-64" y="62" width="128" height="190" rx="28" fill="#fbf4ef" stroke="#d9bfb2" stroke-width="3"/>' +
        '<rect x="-46" y="130" width="92" height="60" rx="8" fill="#e8cfc3"/>' +
        text(0, 168, 20, '#8a5a48', 'SERUM') + '</g>' +
        '<g fill="#bfe0e6" opacity=".9"><path d="M90 330 q12 20 0 30 q-12 -10 0 -30z"/><path d="M330 380 q14 24 0 36 q-14 -12 0 -36z"/><path d="M310 250 q9 16 0 24 q-9 -8 0 -24z"/></g>' +
        text(206, 565, 44, '#8a5a48', '水润焕颜精华') + text(206, 610, 22, '#a07462', '新客专享 买一送一', 'font-weight="normal"'),
    },
    // dark phone launch: 影像旗舰 全新上市
    phone: {
      bg: 'linear-gradient(180deg,#c9d6df 0%,#7f9cb0 26%,#203a43 60%,#2c5364 100%)',
      svg: '<circle cx="206" cy="290" r="170" fill="#5ad1ff" opacity=".08"/><circle cx="206" cy="290" r="120" fill="#5ad1ff" opacity=".1"/>' +
        '<g transform="translate(206 290) rotate(-12) scale(.9)"><rect x="-90" y="-170" width="180" height="340" rx="28" fill="#111" stroke="#8fa9b8" stroke-width="4"/>' +
        '<rect x="-80" y="-160" width="160" height="320" rx="22" fill="url(#scr)"/>' +
        '<circle cx="-40" cy="-110" r="26" fill="#222" stroke="#9bb" stroke-width="3"/><circle cx="-40" cy="-110" r="12" fill="#36c"/>' +
        '<circle cx="20" cy="-110" r="20" fill="#222" stroke="#9bb" stroke-width="3"/><circle cx="-40" cy="-50" r="16" fill="#222" stroke="#9bb" stroke-width="3"/></g>' +
        '<defs><linearGradient id="scr" x1="0" y1="0" x2="1" y2="1"><stop offset="0" stop-color="#3a6073"/><stop offset="1" stop-color="#16222a"/></linearGradient></defs>' +
        text(206, 555, 50, '#fff', '影像旗舰') + text(206, 602, 26, '#9fe3ff', '全新上市 · 预约享12期免息', 'font-weight="normal"'),
    },
    // red festival sale: 年货节 满300减50
    sale: {
      bg: 'linear-gradient(180deg,#c31432 0%,#ff416c 55%,#ff4b2b 100%)',
      svg: '<g fill="#ffe259" opacity=".9"><circle cx="60" cy="120" r="6"/><circle cx="250" cy="120" r="5"/><circle cx="300" cy="420" r="7"/><circle cx="40" cy="380" r="5"/><rect x="170" y="80" width="10" height="4" transform="rotate(30 175 82)"/></g>' +
        text(206, 210, 84, '#ffe259', '年货节', 'stroke="#a10c28" stroke-width="2"') + text(206, 275, 36, '#fff', '满300减50 · 跨店可用') +
        '<g transform="translate(206 430)"><rect x="-150" y="0" width="130" height="110" rx="8" fill="#ffd54f"/><rect x="-95" y="0" width="20" height="110" fill="#e53935"/><rect x="-160" y="-16" width="150" height="26" rx="6" fill="#ffca28"/>' +
        '<rect x="10" y="-30" width="150" height="140" rx="8" fill="#fff3e0"/><rect x="75" y="-30" width="20" height="140" fill="#e53935"/><rect x="0" y="-48" width="170" height="28" rx="6" fill="#ffe0b2"/>' +
        '<circle cx="-40" cy="150" r="34" fill="#ffd54f" stroke="#f57f17" stroke-width="4"/>' + text(-40, 162, 32, '#f57f17', '¥') +
        '<circle cx="50" cy="165" r="28" fill="#ffd54f" stroke="#f57f17" stroke-width="4"/>' + text(50, 175, 26, '#f57f17', '¥') + '</g>',
    },
    // electric SUV: 全新纯电SUV
    car: {
      bg: 'linear-gradient(180deg,#5b86e5 0%,#8fb3f0 35%,#dfe9f3 58%,#8e9eab 72%,#485563 100%)',
      svg: text(206, 190, 54, '#fff', '全新纯电SUV') + text(206, 240, 26, '#15305e', 'CLTC续航700km · 限时购', 'font-weight="normal"') +
        '<g transform="translate(206 470)"><path d="M-180 30 Q-178 -10 -140 -20 L-80 -30 Q-40 -75 20 -78 Q90 -78 130 -30 L170 -20 Q185 -10 182 30 Z" fill="#e8edf2" stroke="#34495e" stroke-width="4"/>' +
        '<path d="M-62 -30 Q-30 -65 15 -66 L20 -30 Z M35 -30 L32 -66 Q80 -64 110 -30 Z" fill="#34495e"/>' +
        '<circle cx="-105" cy="32" r="34" fill="#2c3e50"/><circle cx="-105" cy="32" r="14" fill="#bdc3c7"/><circle cx="110" cy="32" r="34" fill="#2c3e50"/><circle cx="110" cy="32" r="14" fill="#bdc3c7"/>' +
        '<rect x="150" y="-8" width="26" height="8" rx="3" fill="#74d3ff"/></g>' +
        '<rect x="0" y="560" width="412" height="6" fill="#fff" opacity=".5"/>',
    },
    // dark purple game: 新服开启 登录即送648元宝
    game: {
      bg: 'linear-gradient(180deg,#3b1c6e 0%,#1a0b2e 45%,#6a3093 100%)',
      svg: '<g fill="#fff"><circle cx="40" cy="80" r="2"/><circle cx="120" cy="140" r="1.5"/><circle cx="250" cy="60" r="2"/><circle cx="380" cy="180" r="1.5"/><circle cx="300" cy="240" r="2"/><circle cx="70" cy="300" r="1.5"/></g>' +
        '<g transform="translate(206 330)"><path d="M0 -150 L18 -20 L8 -20 L8 110 L-8 110 L-8 -20 L-18 -20 Z" fill="#dfe6ff" stroke="#8fa0ff" stroke-width="2" transform="rotate(35)"/>' +
        '<path d="M-80 -60 L0 -90 L80 -60 Q80 40 0 100 Q-80 40 -80 -60 Z" fill="#f7b733" stroke="#fff3b0" stroke-width="5"/>' +
        '<path d="M-50 -40 L0 -60 L50 -40 Q48 25 0 62 Q-48 25 -50 -40 Z" fill="#c0392b"/>' + text(0, 14, 44, '#ffe082', '战') + '</g>' +
        text(206, 540, 58, '#ffd54f', '新服开启', 'stroke="#7a3b00" stroke-width="2"') + text(206, 590, 26, '#fff', '登录即送648元宝 · 送SSR神将', 'font-weight="normal"'),
    },
    // yellow food delivery: 外卖红包 天天领
    food: {
      bg: 'linear-gradient(180deg,#f8b500 0%,#fceabb 55%,#f8b500 100%)',
      svg: text(206, 170, 56, '#c0392b', '外卖红包') + text(206, 228, 38, '#5d3a00', '天天领 最高立减20元') +
        '<g transform="translate(206 430)"><ellipse cx="0" cy="-10" rx="150" ry="36" fill="#fff8e1"/>' +
        '<path d="M-150 -10 Q-140 120 0 130 Q140 120 150 -10 Z" fill="#e74c3c"/><path d="M-110 40 Q0 60 110 40" stroke="#fff" stroke-width="6" fill="none" opacity=".6"/>' +
        '<ellipse cx="0" cy="-12" rx="136" ry="28" fill="#f9d77e"/><path d="M-90 -20 q20 -16 40 0 t40 0 t40 0 t40 0" stroke="#e6b84f" stroke-width="6" fill="none"/>' +
        '<circle cx="-60" cy="-20" r="14" fill="#5b8c2a"/><circle cx="50" cy="-16" r="16" fill="#f4a7a3"/>' +
        '<rect x="40" y="-170" width="8" height="170" rx="4" fill="#8d6e63" transform="rotate(20)"/><rect x="62" y="-170" width="8" height="170" rx="4" fill="#a1887f" transform="rotate(24)"/></g>',
    },
    // 618 red packets for the shake demos: 摇一摇 抢红包
    shake: {
      bg: 'linear-gradient(180deg,#d31027 0%,#ea384d 45%,#ff8c5a 100%)',
      svg: text(206, 150, 40, '#ffe29a', '618 年中狂欢') + text(206, 220, 64, '#fff', '抢万元红包', 'stroke="#9b0a1a" stroke-width="1.5"') +
        '<g transform="translate(206 360)">' +
        '<g transform="rotate(-14) translate(-120 0)"><rect x="-55" y="-75" width="110" height="150" rx="12" fill="#ff3b3b" stroke="#ffd56b" stroke-width="3"/><path d="M-55 -30 Q0 10 55 -30" fill="none" stroke="#ffd56b" stroke-width="3"/><circle cx="0" cy="-8" r="22" fill="#ffd56b"/>' + text(0, 2, 22, '#d31027', '开') + '</g>' +
        '<g transform="rotate(12) translate(120 10)"><rect x="-55" y="-75" width="110" height="150" rx="12" fill="#ff3b3b" stroke="#ffd56b" stroke-width="3"/><path d="M-55 -30 Q0 10 55 -30" fill="none" stroke="#ffd56b" stroke-width="3"/><circle cx="0" cy="-8" r="22" fill="#ffd56b"/>' + text(0, 2, 22, '#d31027', '开') + '</g>' +
        '<g><rect x="-70" y="-95" width="140" height="190" rx="14" fill="#e8001c" stroke="#ffd56b" stroke-width="4"/><path d="M-70 -40 Q0 12 70 -40" fill="none" stroke="#ffd56b" stroke-width="4"/><circle cx="0" cy="-12" r="30" fill="#ffd56b"/>' + text(0, 0, 30, '#d31027', '¥') + '</g></g>',
    },
    // running shoes: 跑出新纪录
    shoes: {
      bg: 'linear-gradient(180deg,#185a9d 0%,#2d7fb8 40%,#43cea2 100%)',
      svg: text(206, 190, 58, '#fff', '跑出新纪录') + text(206, 244, 26, '#d6fff2', '新品跑鞋 限时8折 · 跑者节', 'font-weight="normal"') +
        '<g stroke="#fff" stroke-width="5" stroke-linecap="round" opacity=".6"><path d="M20 400 H110"/><path d="M40 440 H120"/><path d="M10 480 H100"/></g>' +
        '<g transform="translate(230 440)"><path d="M-130 40 Q-135 -10 -100 -30 L-60 -40 Q-40 -80 -10 -78 L20 -60 Q60 -30 120 -10 Q150 0 150 30 Q150 50 120 52 L-110 52 Q-130 52 -130 40 Z" fill="#ff7043" stroke="#fff" stroke-width="4"/>' +
        '<path d="M-134 44 L150 44 Q150 64 120 66 L-110 66 Q-134 64 -134 44 Z" fill="#fff"/>' +
        '<path d="M-40 -40 L30 -20 M-50 -20 L20 0 M-60 0 L10 20" stroke="#fff" stroke-width="4"/></g>',
    },
  };

  window.Ads = {
    names: Object.keys(POSTERS),
    /** Paint element el with poster `name` (throws on an unknown name). */
    mount: function (el, name) {
      var p = POSTERS[name];
      if (!p) throw new Error('unknown poster ' + name + '; known: ' + Object.keys(POSTERS).join(', '));
      el.style.background = p.bg;
      el.insertAdjacentHTML('afterbegin', SVG_OPEN + p.svg + '</svg>');
    },
  };
})();
