/**
 * The status page's script (GET /status.js): polls /v1/allocations, /v1/teams, /v1/caps and /v1/history and draws the tables
 * and SVG charts itself; no libraries, nothing fetched from elsewhere. Plain ES2017 kept as a string so
 * it ships inside dist/ with the compiled code; it avoids backticks and template interpolation.
 */
export const STATUS_PAGE_SCRIPT = String.raw`(function () {
  'use strict';
  var KEY = 'token-ninja-admin-token';
  var COLORS = ['#4e79a7', '#f28e2b', '#e15759', '#76b7b2', '#59a14f', '#edc948', '#b07aa1', '#ff9da7', '#9c755f', '#bab0ac'];
  var MAX_SERIES = COLORS.length - 1;
  var SVG = 'http://www.w3.org/2000/svg';
  var W = 600, H = 220, PAD_L = 56, PAD_R = 10, PAD_T = 10, PAD_B = 24;
  var params = new URLSearchParams(location.search);
  var refreshMs = Math.max(500, Number(params.get('refresh') || 3) * 1000);
  var authRequired = document.body.getAttribute('data-auth') === 'required';
  var token = sessionStorage.getItem(KEY) || localStorage.getItem(KEY) || '';
  var timer = null;
  var colorOf = {};
  var nextColor = 0;

  function $(id) { return document.getElementById(id); }

  function color(agent) {
    if (!colorOf[agent]) { colorOf[agent] = COLORS[nextColor % MAX_SERIES]; nextColor++; }
    return colorOf[agent];
  }

  function fmt(n) {
    if (n === null || n === undefined || !isFinite(n)) return '–';
    var a = Math.abs(n);
    if (a >= 1e9) return (n / 1e9).toFixed(2) + 'G';
    if (a >= 1e6) return (n / 1e6).toFixed(2) + 'M';
    if (a >= 1e4) return (n / 1e3).toFixed(1) + 'k';
    if (a >= 100 || n === Math.round(n)) return String(Math.round(n));
    return n.toPrecision(3);
  }

  // Amounts are in the budget's unit (unit of /v1/allocations): tokens, or dollars.
  function unitLabel(unit) { return unit === 'usd' ? '$' : 'tokens'; }

  function showUnit(unit) {
    var label = unitLabel(unit);
    Array.prototype.forEach.call(document.querySelectorAll('[data-unit]'), function (e) {
      e.textContent = label + e.getAttribute('data-unit');
    });
  }

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = text;
    if (cls) e.className = cls;
    return e;
  }

  function setStatus(text, kind) {
    var s = $('status');
    s.textContent = text;
    s.className = 'status' + (kind ? ' ' + kind : '');
  }

  function api(path) {
    var headers = token ? { authorization: 'Bearer ' + token } : {};
    return fetch(path, { headers: headers, cache: 'no-store' }).then(function (r) {
      if (r.status === 401 || r.status === 403) {
        var e = new Error(r.status === 401 ? 'a token is required' : 'the token was refused');
        e.auth = true;
        throw e;
      }
      if (!r.ok) throw new Error('HTTP ' + r.status + ' on ' + path);
      return r.json();
    });
  }

  function renderSummary(t) {
    var box = $('summary');
    box.textContent = '';
    var items = [
      ['Pool', fmt(t.pool) + ' ' + unitLabel(t.unit) + '/tick'],
      ['Tick', String(t.tick) + ' (' + t.tickSeconds + ' s)'],
      ['Burst available', fmt(t.burst.available) + ' / ' + fmt(t.burst.capacity)],
      ['Agents', String(t.agents.length)]
    ];
    if (t.mode) items.push(['Mode', t.mode]);
    items.forEach(function (it) {
      var d = el('div');
      d.appendChild(el('span', it[0]));
      d.appendChild(el('b', it[1]));
      box.appendChild(d);
    });
  }

  function renderTable(t) {
    var body = $('allocations').tBodies[0];
    body.textContent = '';
    var rows = t.agents.slice().sort(function (a, b) { return b.allocation - a.allocation; });
    if (rows.length === 0) {
      var td = el('td', 'No agents yet', 'empty');
      td.colSpan = 7;
      body.appendChild(el('tr')).appendChild(td);
      return;
    }
    rows.forEach(function (r) {
      var tr = el('tr');
      tr.setAttribute('data-agent', r.agent);
      var name = el('td');
      var sw = el('span', undefined, 'swatch');
      sw.style.background = color(r.agent);
      name.appendChild(sw);
      name.appendChild(document.createTextNode(r.agent));
      tr.appendChild(name);
      [fmt(r.allocation), fmt(r.tokensPerMinute), r.score === null ? 'calibrating' : fmt(r.score),
        fmt(r.priorityWeight), fmt(r.forecast), r.boundBy + (r.override ? ' (override)' : '')]
        .forEach(function (v) { tr.appendChild(el('td', v)); });
      body.appendChild(tr);
    });
  }

  function renderTeams(t) {
    var body = $('teams').tBodies[0];
    body.textContent = '';
    t.teams.forEach(function (r) {
      var tr = el('tr');
      tr.setAttribute('data-team', r.team);
      var configured = r.share !== null ? Math.round(r.share * 1000) / 10 + '% of the pool'
        : r.tokensPerMinute !== null ? fmt(r.tokensPerMinute) + ' tokens/min'
        : r.usdPerMinute !== null ? '$' + fmtUsd(r.usdPerMinute) + '/min' : 'split by the engine';
      [r.team, String(r.agentCount), configured, r.strict ? 'yes' : 'no', fmt(r.part), fmt(r.allocation), fmt(r.demand),
        fmtUsd(r.usdToday), fmtUsd(r.usdThisMonth)]
        .forEach(function (v) { tr.appendChild(el('td', v)); });
      body.appendChild(tr);
    });
  }

  function fmtUsd(n) {
    if (n === null || n === undefined || !isFinite(n)) return '–';
    return n >= 100 ? fmt(n) : n >= 0.01 || n === 0 ? n.toFixed(2) : n.toPrecision(2);
  }

  function renderCaps(c) {
    var body = $('caps').tBodies[0];
    body.textContent = '';
    if (c.caps.length === 0) {
      var td = el('td', 'No caps configured', 'empty');
      td.colSpan = 6;
      body.appendChild(el('tr')).appendChild(td);
      return;
    }
    c.caps.forEach(function (r) {
      var tr = el('tr');
      tr.setAttribute('data-scope', r.scope);
      tr.setAttribute('data-period', r.period);
      var share = el('td');
      var bar = el('span', undefined, 'bar' + (r.share >= 1 ? ' full' : ''));
      var fill = el('span');
      fill.style.width = Math.min(100, Math.max(0, r.share * 100)).toFixed(1) + '%';
      bar.appendChild(fill);
      share.appendChild(bar);
      share.appendChild(document.createTextNode(Math.round(r.share * 100) + '%'));
      var resets = r.resetsAt.slice(0, 16).replace('T', ' ') + ' UTC';
      [r.scope, r.period, fmt(r.used) + ' / ' + fmt(r.limit)].forEach(function (v) { tr.appendChild(el('td', v)); });
      tr.appendChild(share);
      [r.action, resets].forEach(function (v) { tr.appendChild(el('td', v)); });
      body.appendChild(tr);
    });
  }

  function svg(tag, attrs) {
    var e = document.createElementNS(SVG, tag);
    Object.keys(attrs).forEach(function (k) { e.setAttribute(k, String(attrs[k])); });
    return e;
  }

  // series: [{name, color, values: [number|null]}] aligned on ticks.
  function drawChart(id, ticks, times, series) {
    var fig = $(id);
    var old = fig.querySelector('svg');
    if (old) fig.removeChild(old);
    var root = svg('svg', { viewBox: '0 0 ' + W + ' ' + H, role: 'img', 'aria-label': fig.textContent });
    root.setAttribute('data-last-tick', ticks.length ? String(ticks[ticks.length - 1]) : '');
    var max = 0;
    series.forEach(function (s) { s.values.forEach(function (v) { if (v !== null && v > max) max = v; }); });
    if (max <= 0) max = 1;
    var n = ticks.length;
    var x = function (i) { return PAD_L + (n <= 1 ? 0 : (i * (W - PAD_L - PAD_R)) / (n - 1)); };
    var y = function (v) { return H - PAD_B - (v / max) * (H - PAD_T - PAD_B); };
    root.appendChild(svg('line', { x1: PAD_L, y1: H - PAD_B, x2: W - PAD_R, y2: H - PAD_B, 'class': 'axis' }));
    root.appendChild(svg('line', { x1: PAD_L, y1: PAD_T, x2: PAD_L, y2: H - PAD_B, 'class': 'axis' }));
    [[max, PAD_T + 4], [max / 2, y(max / 2) + 4], [0, H - PAD_B]].forEach(function (g) {
      var t = svg('text', { x: PAD_L - 6, y: g[1], 'text-anchor': 'end' });
      t.textContent = fmt(g[0]);
      root.appendChild(t);
    });
    if (n > 0) {
      var first = svg('text', { x: PAD_L, y: H - 6 });
      first.textContent = times[0];
      root.appendChild(first);
      var last = svg('text', { x: W - PAD_R, y: H - 6, 'text-anchor': 'end' });
      last.textContent = times[n - 1];
      root.appendChild(last);
    }
    series.forEach(function (s) {
      var d = '';
      var has = function (i) { return s.values[i] !== null && s.values[i] !== undefined; };
      s.values.forEach(function (v, i) {
        if (!has(i)) return;
        d += (i > 0 && has(i - 1) ? ' L' : ' M') + x(i).toFixed(1) + ' ' + y(v).toFixed(1);
        // A point with no neighbour draws no line: mark it with a dot.
        if (!has(i - 1) && !has(i + 1)) {
          root.appendChild(svg('circle', { cx: x(i).toFixed(1), cy: y(v).toFixed(1), r: 3, fill: s.color, 'data-series': s.name }));
        }
      });
      var p = svg('path', { d: d.trim() || 'M0 0', stroke: s.color, 'data-series': s.name });
      var title = svg('title', {});
      title.textContent = s.name;
      p.appendChild(title);
      root.appendChild(p);
    });
    fig.appendChild(root);
  }

  function renderCharts(h) {
    var points = h.points || [];
    var ticks = points.map(function (p) { return p.tick; });
    var times = points.map(function (p) { return new Date(p.at).toLocaleTimeString(); });
    var latest = points.length ? points[points.length - 1].agents : {};
    var names = {};
    points.forEach(function (p) { Object.keys(p.agents).forEach(function (a) { names[a] = true; }); });
    var agents = Object.keys(names).sort(function (a, b) {
      var la = latest[a] ? latest[a].allocation : 0, lb = latest[b] ? latest[b].allocation : 0;
      return lb - la || (a < b ? -1 : 1);
    });
    var shown = agents.slice(0, MAX_SERIES);
    var rest = agents.slice(MAX_SERIES);
    function perAgent(field) {
      var out = shown.map(function (a) {
        return { name: a, color: color(a), values: points.map(function (p) { var v = p.agents[a]; return v ? v[field] : null; }) };
      });
      if (rest.length) {
        out.push({ name: 'other (' + rest.length + ')', color: COLORS[MAX_SERIES], values: points.map(function (p) {
          var sum = 0, count = 0;
          rest.forEach(function (a) { var v = p.agents[a]; if (v && v[field] !== null) { sum += v[field]; count++; } });
          // Productivity is a rate: show the mean of the rest that have one (calibrating agents have none), not a sum.
          return count ? (field === 'productivity' ? sum / count : sum) : null;
        }) });
      }
      return out;
    }
    drawChart('chart-allocation', ticks, times, perAgent('allocation'));
    drawChart('chart-usage', ticks, times, perAgent('usage'));
    drawChart('chart-productivity', ticks, times, perAgent('productivity'));
    drawChart('chart-burst', ticks, times, [
      { name: 'available', color: '#59a14f', values: points.map(function (p) { return p.burstAvailable; }) },
      { name: 'capacity', color: '#bab0ac', values: points.map(function (p) { return p.burstCapacity; }) }
    ]);
    drawChart('chart-throttled', ticks, times, [
      { name: 'throttled', color: '#e15759', values: points.map(function (p) { return p.throttled; }) }
    ]);
    var legend = $('legend');
    legend.textContent = '';
    shown.forEach(function (a) {
      var item = el('span');
      var sw = el('span', undefined, 'swatch');
      sw.style.background = color(a);
      item.appendChild(sw);
      item.appendChild(document.createTextNode(a));
      legend.appendChild(item);
    });
  }

  function refresh() {
    Promise.all([api('/v1/allocations'), api('/v1/history'), api('/v1/teams'), api('/v1/caps')]).then(function (r) {
      showUnit(r[0].unit);
      renderSummary(r[0]);
      renderTable(r[0]);
      renderCharts(r[1]);
      renderTeams(r[2]);
      renderCaps(r[3]);
      setStatus('Live · updated ' + new Date().toLocaleTimeString(), 'ok');
    }).catch(function (err) {
      if (err.auth) { stop(); askToken('Admin token: ' + err.message + '.'); }
      else setStatus('Cannot load data: ' + err.message + ' (retrying)', 'error');
    });
  }

  function stop() { if (timer !== null) { clearInterval(timer); timer = null; } }

  function start() {
    stop();
    $('token-form').hidden = true;
    $('forget').hidden = !token;
    setStatus('Loading…');
    refresh();
    timer = setInterval(refresh, refreshMs);
  }

  function askToken(message) {
    $('token-form').hidden = false;
    $('forget').hidden = true;
    setStatus(message, 'error');
    $('token').focus();
  }

  $('token-form').addEventListener('submit', function (ev) {
    ev.preventDefault();
    token = $('token').value.trim();
    $('token').value = '';
    sessionStorage.removeItem(KEY);
    localStorage.removeItem(KEY);
    ($('remember').checked ? localStorage : sessionStorage).setItem(KEY, token);
    start();
  });

  $('forget').addEventListener('click', function () {
    token = '';
    sessionStorage.removeItem(KEY);
    localStorage.removeItem(KEY);
    stop();
    if (authRequired) askToken('Token forgotten.'); else start();
  });

  if (authRequired && !token) askToken('Enter the admin token to load the data.');
  else start();
})();
`;
