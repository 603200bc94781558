/* Shared helpers of the demo gallery (plain ES2017, no build, no network).
 *
 * Each demo's index.html keeps its own behaviour (what a tap or a shake does) in plain sight and
 * uses these helpers for the boring parts: the app home screen, jumping to the landing page,
 * closing a window, deterministic countdowns and device-motion preprocessing.
 *
 * Ground truth for debugging and end-to-end tests (never for verdicts): window.demoState =
 * {id, phase: "splash" | "popup" | "home" | "jumped", events: [{t, type, ...}]} with t in seconds
 * since the script loaded.
 */
(function () {
  'use strict';
  var T0 = performance.now();
  var params = new URLSearchParams(location.search);
  var Demo = (window.Demo = {});
  var state = (window.demoState = Demo.state = { id: null, phase: 'loading', events: [] });

  /** Seconds since this script ran (≈ page load). */
  Demo.now = function () { return (performance.now() - T0) / 1000; };

  Demo.log = function (type, extra) {
    var ev = { t: Math.round(Demo.now() * 1000) / 1000, type: type };
    if (extra) for (var k in extra) ev[k] = extra[k];
    state.events.push(ev);
  };

  Demo.setPhase = function (phase) {
    state.phase = phase;
    Demo.log('phase', { phase: phase });
  };

  /** Wall-clock seconds (Unix epoch) now: comparable with the harness's own clock. */
  Demo.epoch = function () { return (performance.timeOrigin + performance.now()) / 1000; };

  /* The window's own timing, for the harness's timing self-test: state.window = {kind, shown, gone}
   * in epoch seconds; shown = the first contentful paint (the window is in the first paint), gone =
   * the frame after the window was removed. */
  function markShown(w) {
    var done = false;
    function set(t) { if (!done) { done = true; w.shown = Math.round(t * 1000) / 1000; } }
    try {
      new PerformanceObserver(function (list) {
        list.getEntries().forEach(function (e) {
          if (e.name === 'first-contentful-paint') set((performance.timeOrigin + e.startTime) / 1000);
        });
      }).observe({ type: 'paint', buffered: true });
    } catch (e) { /* no paint timing: fall back to the next animation frame */ }
    setTimeout(function () { if (!done) requestAnimationFrame(function () { set(Demo.epoch()); }); }, 1000);
  }

  /** Start a demo: remember its id (the folder name) and the first window kind ('home': none). */
  Demo.init = function (id, phase) {
    state.id = id;
    state.window = null;
    if (phase === 'splash' || phase === 'popup') {
      state.window = { kind: phase, shown: null, gone: null };
      markShown(state.window);
    }
    Demo.setPhase(phase);
  };

  /** Splash length in seconds: the demo's default unless ?duration=<s> overrides it (probes may
   * lengthen the splash so slow tap sequences fit; verdict runs use the default). */
  Demo.duration = function (defaultS) {
    var v = parseFloat(params.get('duration'));
    return v > 0 ? v : defaultS;
  };

  /** Open the ad: navigate to the shared landing page (another document = a "jump"). */
  Demo.jump = function (via) {
    if (state.phase === 'jumped') return;
    Demo.setPhase('jumped');
    Demo.log('jump', { via: via });
    location.href = '../landing.html?from=' + encodeURIComponent(state.id) + '&via=' + encodeURIComponent(via);
  };

  /** Show the app's own home UI (after a splash, or under a closed pop-up). */
  Demo.showHome = function () {
    var home = document.getElementById('home');
    if (home) home.hidden = false;
    if (state.phase !== 'jumped') Demo.setPhase('home');
  };

  /** Close a splash / pop-up window: remove it from the DOM (or hide it) and show the home UI. */
  Demo.close = function (el, how, keep) {
    if (state.phase === 'jumped') return;
    Demo.log('close', { how: how });
    if (keep) el.hidden = true; else if (el.parentNode) el.parentNode.removeChild(el);
    Demo.showHome();
    var w = state.window;
    if (w && w.gone === null) {
      requestAnimationFrame(function () { w.gone = Math.round(Demo.epoch() * 1000) / 1000; });
    }
  };

  /** Bind a tap (touch taps fire click too) that does not fall through to the ad picture. */
  Demo.onTap = function (el, fn) {
    el.addEventListener('click', function (e) { e.stopPropagation(); e.preventDefault(); fn(e); });
  };

  /** Deterministic countdown: calls tick(wholeSecondsLeft) whenever the shown number changes and
   * end() once after totalS seconds (measured from page load). Returns {stop()}. */
  Demo.countdown = function (totalS, tick, end) {
    var shown = null, done = false;
    function step() {
      if (done) return;
      var left = totalS - Demo.now();
      if (left <= 0) { done = true; clearInterval(iv); if (end) end(); return; }
      var n = Math.ceil(left - 1e-6);
      if (n !== shown) { shown = n; if (tick) tick(n); }
    }
    var iv = setInterval(step, 50);
    step();
    return { stop: function () { done = true; clearInterval(iv); } };
  };

  /* ------------------------------ device motion ------------------------------ */

  // Gravity estimate for accelerationIncludingGravity: first-order low-pass, α per ~60 Hz event.
  // τ ≈ 0.55 s, so a 1–3 Hz shake passes almost unchanged while constant gravity is removed.
  var GRAVITY_ALPHA = 0.03;
  var MAX_DT_S = 0.1; // clamp gaps between events (tab throttling) when integrating

  /** Subscribe to devicemotion with preprocessing. handler receives
   * {t: s, dt: s, lin: m/s² (linear acceleration magnitude), rot: [α, β, γ] deg/s, rotMag: deg/s}.
   * lin = max(|acceleration|, |accelerationIncludingGravity − low-passed gravity|), so either
   * sensor (linear-acceleration or accelerometer) can carry the shake. */
  Demo.onMotion = function (handler) {
    var g = null, last = null;
    window.addEventListener('devicemotion', function (e) {
      var now = performance.now();
      var dt = last === null ? 0 : Math.min((now - last) / 1000, MAX_DT_S);
      last = now;
      var lin = 0;
      var a = e.acceleration;
      if (a && a.x !== null && a.x !== undefined) lin = Math.hypot(a.x || 0, a.y || 0, a.z || 0);
      var ag = e.accelerationIncludingGravity;
      if (ag && ag.x !== null && ag.x !== undefined) {
        var v = [ag.x || 0, ag.y || 0, ag.z || 0];
        if (!g) g = v.slice();
        else for (var i = 0; i < 3; i++) g[i] += GRAVITY_ALPHA * (v[i] - g[i]);
        lin = Math.max(lin, Math.hypot(v[0] - g[0], v[1] - g[1], v[2] - g[2]));
      }
      var r = e.rotationRate;
      var rot = r && r.alpha !== null && r.alpha !== undefined ? [r.alpha || 0, r.beta || 0, r.gamma || 0] : [0, 0, 0];
      handler({ t: now / 1000, dt: dt, lin: lin, rot: rot, rotMag: Math.hypot(rot[0], rot[1], rot[2]) });
    });
  };

  /* ------------------------------ app home UI ------------------------------ */

  var THUMBS = [
    'linear-gradient(135deg,#89c4f4,#3a7bd5)', 'linear-gradient(135deg,#fbd786,#f7797d)',
    'linear-gradient(135deg,#a8e063,#56ab2f)', 'linear-gradient(135deg,#d4a5ff,#7b4397)',
    'linear-gradient(135deg,#ffd3a5,#fd6585)', 'linear-gradient(135deg,#96e6a1,#2bb3a3)',
    'linear-gradient(160deg,#cfd9df,#8e9eab)', 'linear-gradient(135deg,#f6d365,#fda085)',
  ];
  var ICONS = ['#ff6a3d', '#ffb300', '#2bb3a3', '#3a7bd5', '#a55eea', '#ff4d6d', '#20bf6b', '#f7b731', '#45aaf2', '#fd9644'];

  function esc(s) { return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; }); }

  /** Render a plausible home screen into #home.
   * cfg: {name, theme, search, channels: [..], icons: [..] (5 or 10 labels), banner: {title, sub, bg},
   *       items: [{title, meta}], tabs: [4 labels]} */
  Demo.renderHome = function (cfg) {
    var home = document.getElementById('home');
    home.style.setProperty('--theme', cfg.theme || '#e8483b');
    var h = [];
    h.push('<div class="statusbar"><span>9:41</span><span class="sb-icons"><i class="sb-signal"></i><i class="sb-battery"></i></span></div>');
    h.push('<header class="topbar"><span class="brand">' + esc(cfg.name) + '</span><span class="search">' + esc(cfg.search || '搜索') + '</span></header>');
    if (cfg.channels) {
      h.push('<nav class="channels">' + cfg.channels.map(function (c, i) { return '<span' + (i === 0 ? ' class="on"' : '') + '>' + esc(c) + '</span>'; }).join('') + '</nav>');
    }
    h.push('<main class="feed">');
    if (cfg.icons) {
      h.push('<div class="grid-icons">' + cfg.icons.map(function (c, i) { return '<div><i style="background:' + ICONS[i % ICONS.length] + '"></i>' + esc(c) + '</div>'; }).join('') + '</div>');
    }
    if (cfg.banner) {
      h.push('<div class="banner" style="background:' + (cfg.banner.bg || THUMBS[1]) + '"><b>' + esc(cfg.banner.title) + '</b><span>' + esc(cfg.banner.sub || '') + '</span></div>');
    }
    (cfg.items || []).forEach(function (it, i) {
      h.push('<div class="card-item"><div class="txt"><div class="ttl">' + esc(it.title) + '</div><div class="meta">' + esc(it.meta || '') +
        '</div></div><div class="thumb" style="background:' + THUMBS[(i + (cfg.seed || 0)) % THUMBS.length] + '"></div></div>');
    });
    h.push('</main>');
    var tabs = cfg.tabs || ['首页', '发现', '消息', '我的'];
    h.push('<footer class="tabbar">' + tabs.map(function (t, i) { return '<div' + (i === 0 ? ' class="on"' : '') + '><i></i>' + esc(t) + '</div>'; }).join('') + '</footer>');
    home.innerHTML = h.join('');
  };
})();
