/*
 * qkd-bench live dashboard.
 *
 * Self-contained on purpose: the bench network has no internet, so there is no chart library;
 * the plots are drawn here on <canvas>. Every second the page polls /api/status (and the recent
 * blocks), appends one sample to each rolling series, drops samples older than five minutes and
 * redraws.
 *
 * For tests and scripts the plotted data is readable without parsing pixels:
 *   window.qkdDashboard.snapshot() -> { polls, errors, lastError, plots: { <canvas id>: {
 *       points, spanMs, area: { x0, x1, y0, y1 } (plot area in canvas pixels),
 *       series: { <key>: { label, points, last, color } } } } }
 *   and each plot canvas carries data-points = its number of finite samples.
 * The time axis spans the samples held: one minute at first, growing to five.
 */
(function () {
  'use strict';

  const POLL_MS = 1000;
  const REQUEST_TIMEOUT_MS = 5000;
  const WINDOW_MS = 5 * 60 * 1000;
  /** The time axis spans the data held, at least this much, at most WINDOW_MS. */
  const MIN_SPAN_MS = 60 * 1000;
  const BLOCKS_LIMIT = 20;
  const PALETTE = ['#2b6cb0', '#dd6b20', '#2f855a', '#805ad5', '#d53f8c', '#319795', '#975a16', '#4a5568'];
  const DASH = '\u2013';

  // ---- number formatting ---------------------------------------------------------------------

  function fmtInt(n) {
    return Number.isFinite(n) ? Math.round(n).toLocaleString('en-US') : DASH;
  }

  function fmtPct(ratio) {
    return Number.isFinite(ratio) ? (ratio * 100).toFixed(2) + ' %' : DASH;
  }

  /** Picoseconds in the largest unit that keeps the number readable. */
  function fmtPs(ps) {
    if (!Number.isFinite(ps)) return DASH;
    const a = Math.abs(ps);
    if (a >= 1e9) return (ps / 1e9).toFixed(3) + ' ms';
    if (a >= 1e6) return (ps / 1e6).toFixed(3) + ' \u00b5s';
    if (a >= 1e3) return (ps / 1e3).toFixed(3) + ' ns';
    return ps.toFixed(1) + ' ps';
  }

  function fmtDuration(seconds) {
    if (!Number.isFinite(seconds)) return DASH;
    const s = Math.floor(seconds);
    const d = Math.floor(s / 86400);
    const hms = [Math.floor(s / 3600) % 24, Math.floor(s / 60) % 60, s % 60]
      .map(function (v) { return String(v).padStart(2, '0'); }).join(':');
    return d > 0 ? d + ' d ' + hms : hms;
  }

  /** An axis label: SI prefix for large magnitudes, as many decimals as the tick step needs. */
  function fmtTick(v, step) {
    const a = Math.abs(step);
    const units = [[1e12, 'T'], [1e9, 'G'], [1e6, 'M'], [1e3, 'k']];
    for (const [scale, prefix] of units) {
      if (Math.abs(v) >= scale && a >= scale / 100) {
        return trimZeros((v / scale).toFixed(decimalsFor(step / scale))) + prefix;
      }
    }
    return trimZeros(v.toFixed(decimalsFor(step)));
  }

  function decimalsFor(step) {
    return step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(Math.abs(step)) + 1e-9));
  }

  function trimZeros(text) {
    return text.indexOf('.') < 0 ? text : text.replace(/\.?0+$/, '');
  }

  // ---- plotting ------------------------------------------------------------------------------

  /** One rolling series: sample times (ms) and values, null marking a gap. */
  class Series {
    constructor(key, label, color, axis) {
      this.key = key;
      this.label = label;
      this.color = color;
      this.axis = axis;
      this.times = [];
      this.values = [];
    }

    push(t, v) {
      this.times.push(t);
      this.values.push(Number.isFinite(v) ? v : null);
    }

    trim(oldest) {
      let n = 0;
      while (n < this.times.length && this.times[n] < oldest) n++;
      if (n > 0) {
        this.times.splice(0, n);
        this.values.splice(0, n);
      }
    }

    points() {
      let n = 0;
      for (const v of this.values) if (v !== null) n++;
      return n;
    }

    last() {
      for (let i = this.values.length - 1; i >= 0; i--) if (this.values[i] !== null) return this.values[i];
      return null;
    }
  }

  /** A "nice" tick step (1, 2 or 5 × 10^k) giving about {@code count} intervals over {@code span}. */
  function niceStep(span, count) {
    const raw = span / count;
    const mag = Math.pow(10, Math.floor(Math.log10(raw)));
    const f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
  }

  function niceRange(min, max, includeZero) {
    if (includeZero) {
      min = Math.min(0, min);
      max = Math.max(0, max);
    }
    if (min === max) {
      const pad = Math.abs(min) * 0.1 || 1;
      min -= pad;
      max += pad;
    }
    const step = niceStep(max - min, 4);
    return { lo: Math.floor(min / step) * step, hi: Math.ceil(max / step) * step, step: step };
  }

  /** A time plot of the samples held (≤ WINDOW_MS) with a left axis and, if any series uses it, a right one. */
  class TimePlot {
    constructor(id, options) {
      this.id = id;
      this.canvas = document.getElementById(id);
      this.legend = document.getElementById('legend-' + id);
      this.zero = options.zero || { left: false, right: false };
      this.emptyText = 'waiting for data';
      this.series = new Map();
      this.spanMs = MIN_SPAN_MS;
      this.area = null;
    }

    /** Appends one sample per entry [key, label, value, axis]; known series absent from entries get a gap. */
    record(t, entries) {
      const seen = new Set();
      for (const [key, label, value, axis] of entries) {
        let s = this.series.get(key);
        if (!s) {
          s = new Series(key, label, PALETTE[this.series.size % PALETTE.length], axis || 'left');
          this.series.set(key, s);
          this.addLegend(s);
        }
        s.push(t, value);
        seen.add(key);
      }
      for (const s of this.series.values()) if (!seen.has(s.key)) s.push(t, null);
      this.canvas.dataset.points = String(this.points());
      this.updateLegend();
    }

    trim(oldest) {
      for (const s of this.series.values()) s.trim(oldest);
    }

    points() {
      let n = 0;
      for (const s of this.series.values()) n += s.points();
      return n;
    }

    addLegend(s) {
      const item = document.createElement('span');
      const swatch = document.createElement('span');
      swatch.className = 'swatch';
      swatch.style.background = s.color;
      const text = document.createElement('span');
      item.append(swatch, text);
      this.legend.append(item);
      s.legendText = text;
    }

    updateLegend() {
      const dual = this.hasRight();
      for (const s of this.series.values()) {
        const last = s.last();
        s.legendText.textContent = s.label + (dual ? (s.axis === 'right' ? ' (right)' : ' (left)') : '')
          + ': ' + (last === null ? DASH : fmtTick(last, Math.abs(last) / 1000 || 0.001));
      }
    }

    oldestTime() {
      let oldest = null;
      for (const s of this.series.values()) {
        if (s.times.length && (oldest === null || s.times[0] < oldest)) oldest = s.times[0];
      }
      return oldest;
    }

    hasRight() {
      for (const s of this.series.values()) if (s.axis === 'right') return true;
      return false;
    }

    summary() {
      const series = {};
      for (const s of this.series.values()) {
        series[s.key] = { label: s.label, points: s.points(), last: s.last(), color: s.color };
      }
      return { points: this.points(), series: series, spanMs: this.spanMs, area: this.area };
    }

    axisRange(axis, since) {
      let min = Infinity;
      let max = -Infinity;
      for (const s of this.series.values()) {
        if (s.axis !== axis) continue;
        for (let i = 0; i < s.values.length; i++) {
          const v = s.values[i];
          if (v === null || s.times[i] < since) continue;
          if (v < min) min = v;
          if (v > max) max = v;
        }
      }
      return min <= max ? niceRange(min, max, this.zero[axis]) : null;
    }

    firstColor(axis) {
      for (const s of this.series.values()) if (s.axis === axis) return s.color;
      return '#6b7785';
    }

    draw(now) {
      const c = this.canvas;
      const dpr = window.devicePixelRatio || 1;
      const cssW = Math.max(50, c.clientWidth);
      const cssH = Math.max(50, c.clientHeight);
      if (c.width !== Math.round(cssW * dpr)) c.width = Math.round(cssW * dpr);
      if (c.height !== Math.round(cssH * dpr)) c.height = Math.round(cssH * dpr);
      const g = c.getContext('2d');
      g.setTransform(dpr, 0, 0, dpr, 0, 0);
      g.fillStyle = '#ffffff';
      g.fillRect(0, 0, cssW, cssH);

      const dual = this.hasRight();
      const m = { l: 56, r: dual ? 56 : 12, t: 8, b: 22 };
      const pw = cssW - m.l - m.r;
      const ph = cssH - m.t - m.b;
      // A fresh page would otherwise squeeze its first samples into the right edge of 5 minutes.
      const oldest = this.oldestTime();
      const span = Math.min(WINDOW_MS, Math.max(MIN_SPAN_MS, oldest === null ? 0 : now - oldest));
      const since = now - span;
      const xOf = function (t) { return m.l + (t - since) / span * pw; };
      this.spanMs = span;
      // The plot area in canvas pixels, for tests that look at what was drawn inside it.
      this.area = { x0: Math.round(m.l * dpr), x1: Math.round((m.l + pw) * dpr),
        y0: Math.round(m.t * dpr), y1: Math.round((m.t + ph) * dpr) };
      g.font = '11px system-ui, sans-serif';
      g.lineWidth = 1;

      // Time grid: at most six intervals, labelled back from now.
      const stepS = [5, 10, 15, 30, 60].find(function (st) { return span / 1000 / st <= 6; }) || 60;
      g.strokeStyle = '#e8edf2';
      g.fillStyle = '#6b7785';
      g.textAlign = 'center';
      g.textBaseline = 'top';
      for (let k = 0; k * stepS * 1000 <= span; k++) {
        const ago = k * stepS;
        const x = Math.round(xOf(now - ago * 1000)) + 0.5;
        g.beginPath();
        g.moveTo(x, m.t);
        g.lineTo(x, m.t + ph);
        g.stroke();
        g.fillText(ago === 0 ? 'now' : '\u2212' + (ago % 60 === 0 ? ago / 60 + ' min' : ago + ' s'), x, m.t + ph + 5);
      }

      const ranges = { left: this.axisRange('left', since), right: this.axisRange('right', since) };
      this.drawAxis(g, ranges.left, 'left', m, pw, ph, dual ? this.firstColor('left') : '#6b7785', true);
      if (dual) this.drawAxis(g, ranges.right, 'right', m, pw, ph, this.firstColor('right'), false);

      g.strokeStyle = '#c3ccd6';
      g.strokeRect(m.l + 0.5, m.t + 0.5, pw, ph);

      if (!ranges.left && !ranges.right) {
        g.fillStyle = '#6b7785';
        g.textAlign = 'center';
        g.textBaseline = 'middle';
        g.font = '13px system-ui, sans-serif';
        g.fillText(this.emptyText, m.l + pw / 2, m.t + ph / 2);
        return;
      }

      g.save();
      g.beginPath();
      g.rect(m.l, m.t, pw, ph);
      g.clip();
      g.lineWidth = 2;
      g.lineJoin = 'round';
      for (const s of this.series.values()) {
        const r = ranges[s.axis];
        if (!r) continue;
        const yOf = function (v) { return m.t + ph - (v - r.lo) / (r.hi - r.lo) * ph; };
        g.strokeStyle = s.color;
        g.beginPath();
        let pen = false;
        let lone = null;
        for (let i = 0; i < s.values.length; i++) {
          const v = s.values[i];
          if (v === null) {
            pen = false;
            continue;
          }
          const x = xOf(s.times[i]);
          const y = yOf(v);
          if (pen) {
            g.lineTo(x, y);
            lone = null;
          } else {
            g.moveTo(x, y);
            lone = [x, y];
          }
          pen = true;
        }
        g.stroke();
        if (lone) {
          // A single sample has no segment to draw: mark it with a dot.
          g.fillStyle = s.color;
          g.beginPath();
          g.arc(lone[0], lone[1], 2.5, 0, 2 * Math.PI);
          g.fill();
        }
      }
      g.restore();
    }

    drawAxis(g, r, side, m, pw, ph, color, grid) {
      if (!r) return;
      g.fillStyle = color;
      g.textBaseline = 'middle';
      g.textAlign = side === 'left' ? 'right' : 'left';
      const x = side === 'left' ? m.l - 6 : m.l + pw + 6;
      for (let v = r.lo; v <= r.hi + r.step / 2; v += r.step) {
        const y = Math.round(m.t + ph - (v - r.lo) / (r.hi - r.lo) * ph) + 0.5;
        if (grid) {
          g.strokeStyle = '#e8edf2';
          g.beginPath();
          g.moveTo(m.l, y);
          g.lineTo(m.l + pw, y);
          g.stroke();
        }
        g.fillText(fmtTick(Math.abs(v) < r.step / 1e6 ? 0 : v, r.step), x, y);
      }
    }
  }

  const plots = {
    countRate: new TimePlot('plot-count-rate', { zero: { left: true } }),
    qber: new TimePlot('plot-qber', { zero: { left: true } }),
    keyRate: new TimePlot('plot-key-rate', { zero: { left: true } }),
    sync: new TimePlot('plot-sync', { zero: { left: false, right: false } }),
    store: new TimePlot('plot-store', { zero: { left: true, right: true } })
  };

  function drawAll() {
    const now = Date.now();
    for (const p of Object.values(plots)) p.draw(now);
  }

  // ---- the page's text -----------------------------------------------------------------------

  function setText(id, text) {
    const el = document.getElementById(id);
    if (el.textContent !== text) el.textContent = text;
  }

  function setBadge(id, text, kind) {
    setText(id, text);
    document.getElementById(id).className = 'badge badge-' + kind;
  }

  const PRODUCTION_KIND = { running: 'ok', paused: 'warn', stopped: 'bad' };
  const SYNC_KIND = { LOCKED: 'ok', ACQUIRING: 'warn', HOLDOVER: 'warn', UNLOCKED: 'bad' };
  const DEVICE_KIND = { READY: 'ok', BUSY: 'warn', FAULT: 'bad', DISCONNECTED: 'bad' };

  function showProduction(production) {
    setBadge('production', production || DASH, PRODUCTION_KIND[production] || 'unknown');
    if (!state.controlBusy) {
      document.getElementById('btn-start').disabled = production === 'running';
      document.getElementById('btn-pause').disabled = production !== 'running';
      document.getElementById('btn-stop').disabled = production === 'stopped';
    }
  }

  function showStatus(s) {
    setText('identity', (s.side || '?') + (s.name ? ' \u00b7 ' + s.name : ''));
    setText('backend', s.backend || DASH);
    setText('uptime', fmtDuration(s.uptime_seconds));
    state.production = s.production;
    showProduction(s.production);
    setText('paused-for', s.paused_for || 'nothing');

    const peer = s.peer;
    if (peer) {
      setBadge('peer-state', peer.connected ? 'connected' : 'disconnected', peer.connected ? 'ok' : 'bad');
      setText('peer-address', peer.address || DASH);
      setText('peer-reconnects', fmtInt(peer.reconnects_total));
    } else {
      setBadge('peer-state', 'unknown', 'unknown');
    }

    const sync = s.sync;
    if (sync) {
      setBadge('sync-state', sync.state || DASH, SYNC_KIND[sync.state] || 'unknown');
      setText('sync-offset', fmtPs(sync.offset_ps));
      setText('sync-drift', Number.isFinite(sync.drift_ps_per_s) ? sync.drift_ps_per_s.toFixed(2) + ' ps/s' : DASH);
      setText('sync-in-gate', fmtPct(sync.in_gate_ratio));
      setText('sync-losses', fmtInt(sync.lock_losses) + (sync.last_loss_reason ? ' (' + sync.last_loss_reason + ')' : ''));
    } else {
      setBadge('sync-state', 'n/a on ' + (s.side || 'this side'), 'unknown');
      for (const id of ['sync-offset', 'sync-drift', 'sync-in-gate', 'sync-losses']) setText(id, DASH);
    }

    setText('detections', fmtInt(s.detections_total));
    setText('sifted-bits', fmtInt(s.sifted_bits_total));
    setText('secret-bits', fmtInt(s.secret_bits_total));
    setText('blocks-ok', fmtInt(s.blocks_ok));
    const aborted = s.blocks_aborted || {};
    const reasons = Object.keys(aborted).sort();
    let abortedTotal = 0;
    for (const r of reasons) abortedTotal += aborted[r];
    setText('blocks-aborted', fmtInt(abortedTotal)
      + (reasons.length ? ' (' + reasons.map(function (r) { return r + ' ' + aborted[r]; }).join(', ') + ')' : ''));
    setText('qber', fmtPct(s.qber) + ' / test ' + fmtPct(s.test_qber));
    const store = s.key_store;
    setText('key-store', store ? fmtInt(store.keys) + ' keys, ' + fmtInt(store.bits) + ' bits' : DASH);

    showDevices(s.devices || []);
  }

  /** A table row; the cells at the indexes in {@code numeric} are right-aligned. */
  function row(cells, numeric, className) {
    const tr = document.createElement('tr');
    if (className) tr.className = className;
    cells.forEach(function (cell, i) {
      const td = document.createElement('td');
      if (cell instanceof Node) td.append(cell); else td.textContent = cell;
      if (numeric.indexOf(i) >= 0) td.className = 'num';
      tr.append(td);
    });
    return tr;
  }

  function emptyRow(columns, text) {
    const tr = document.createElement('tr');
    const td = document.createElement('td');
    td.colSpan = columns;
    td.className = 'muted';
    td.textContent = text;
    tr.append(td);
    return tr;
  }

  function badge(text, kind) {
    const b = document.createElement('span');
    b.className = 'badge badge-' + kind;
    b.textContent = text;
    return b;
  }

  function showDevices(devices) {
    const body = document.querySelector('#devices-table tbody');
    const rows = devices.map(function (d) {
      const r = row([d.name || '?', badge(d.state || DASH, DEVICE_KIND[d.state] || 'unknown'), d.healthy ? 'yes' : 'no',
        d.identity || DASH, fmtInt(d.faults), fmtInt(d.recoveries), d.last_problem || DASH], [4, 5]);
      // Identities and problems can be long (a pty path): they wrap rather than widen the page.
      r.cells[3].classList.add('wrap');
      r.cells[6].classList.add('wrap');
      return r;
    });
    body.replaceChildren.apply(body, rows.length ? rows : [emptyRow(7, 'no devices reported')]);
  }

  function showBlocks(blocks) {
    const body = document.querySelector('#blocks-table tbody');
    const rows = blocks.slice().reverse().map(function (b) {
      const r = row([b.id || '?', b.status || DASH, b.reason || DASH, fmtPct(b.qber),
        Number.isFinite(b.length) ? fmtInt(b.length) : DASH, fmtInt(b.key_bits_stored)],
        [3, 4, 5], b.status === 'aborted' ? 'aborted' : '');
      r.cells[2].classList.add('wrap');
      return r;
    });
    body.replaceChildren.apply(body, rows.length ? rows : [emptyRow(6, 'no blocks yet')]);
  }

  // ---- samples -------------------------------------------------------------------------------

  function recordSamples(s, t) {
    const rates = s.detector_count_rates || {};
    plots.countRate.record(t, Object.keys(rates).sort().map(function (d) { return [d, d, rates[d], 'left']; }));
    plots.qber.record(t, [
      ['qber', 'QBER (key basis)', Number.isFinite(s.qber) ? s.qber * 100 : null, 'left'],
      ['test_qber', 'test QBER', Number.isFinite(s.test_qber) ? s.test_qber * 100 : null, 'left']
    ]);
    plots.keyRate.record(t, [['secret_key_rate', 'secret key rate', s.secret_key_rate_bps, 'left']]);
    const sync = s.sync;
    plots.sync.emptyText = sync ? 'waiting for data' : 'no timing sync on ' + (s.side || 'this side');
    plots.sync.record(t, sync ? [
      ['offset', 'offset (ns)', Number.isFinite(sync.offset_ps) ? sync.offset_ps / 1000 : null, 'left'],
      ['drift', 'drift (ps/s)', sync.drift_ps_per_s, 'right']
    ] : []);
    const store = s.key_store || {};
    plots.store.record(t, [
      ['keys', 'keys', store.keys, 'left'],
      ['bits', 'bits', store.bits, 'right']
    ]);
    for (const p of Object.values(plots)) p.trim(t - WINDOW_MS);
  }

  // ---- polling and control -------------------------------------------------------------------

  const state = { polls: 0, errors: 0, lastError: null, lastStatus: null, production: null, controlBusy: false };

  async function getJson(url, init) {
    const abort = new AbortController();
    const timer = setTimeout(function () { abort.abort(); }, REQUEST_TIMEOUT_MS);
    try {
      const response = await fetch(url, Object.assign({ cache: 'no-store', signal: abort.signal }, init || {}));
      const body = await response.json().catch(function () { return {}; });
      if (!response.ok) throw new Error(url + ': HTTP ' + response.status + (body.error ? ' ' + body.error : ''));
      return body;
    } finally {
      clearTimeout(timer);
    }
  }

  async function poll() {
    const started = Date.now();
    try {
      const status = await getJson('/api/status');
      state.lastStatus = status;
      showStatus(status);
      recordSamples(status, Date.now());
      drawAll();
      showBlocks(await getJson('/api/blocks?limit=' + BLOCKS_LIMIT));
      state.polls++;
      setBadge('link-state', 'live', 'ok');
    } catch (e) {
      state.errors++;
      state.lastError = String(e && e.message ? e.message : e);
      setBadge('link-state', 'offline', 'bad');
      document.getElementById('link-state').title = state.lastError;
    } finally {
      setTimeout(poll, Math.max(0, POLL_MS - (Date.now() - started)));
    }
  }

  async function control(action) {
    state.controlBusy = true;
    for (const b of document.querySelectorAll('.buttons button')) b.disabled = true;
    setText('control-message', action + '\u2026');
    try {
      const body = await getJson('/api/production/' + action, { method: 'POST' });
      state.production = body.production;
      setText('control-message', action + ': production is ' + body.production);
    } catch (e) {
      setText('control-message', action + ' failed: ' + (e && e.message ? e.message : e));
    } finally {
      state.controlBusy = false;
      showProduction(state.production);
    }
  }

  for (const b of document.querySelectorAll('.buttons button')) {
    b.addEventListener('click', function () { control(b.dataset.action); });
  }

  let resizePending = false;
  window.addEventListener('resize', function () {
    if (resizePending) return;
    resizePending = true;
    requestAnimationFrame(function () {
      resizePending = false;
      drawAll();
    });
  });

  window.qkdDashboard = {
    /** What the plots hold now, by canvas id; plain data, safe to JSON-encode. */
    snapshot: function () {
      const byId = {};
      for (const p of Object.values(plots)) byId[p.id] = p.summary();
      return { polls: state.polls, errors: state.errors, lastError: state.lastError, plots: byId };
    },
    get lastStatus() {
      return state.lastStatus;
    },
    windowMs: WINDOW_MS,
    pollMs: POLL_MS
  };

  drawAll();
  poll();
}());
