import { createHash } from 'node:crypto';

/**
 * The dashboard: one self-contained HTML page (inline CSS, inline script, SVG charts drawn by the
 * script), no build step and no third-party assets, so it works offline and from a Lambda. It
 * polls GET /replication/status (relative to its own URL, so it also works under an API stage
 * path) and keeps the last minutes of lag in the browser for the charts. Everything from the
 * server goes into the page as text nodes, never as HTML.
 */
const STYLE = `
:root { color-scheme: light dark; --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --muted: #6e7781; --line: #d0d7de; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; padding: 16px 24px; }
h1 { font-size: 18px; margin: 0 0 4px; }
h2 { font-size: 15px; margin: 20px 0 8px; }
.meta { color: var(--muted); margin: 0 0 8px; }
.meta b { color: inherit; font-weight: 600; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 6px 10px; border-bottom: 1px solid var(--line); vertical-align: middle; }
th { font-weight: 600; font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .03em; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.badge { display: inline-block; padding: 1px 8px; border-radius: 10px; font-size: 12px; font-weight: 600; color: #fff; }
.badge.healthy { background: var(--ok); }
.badge.unhealthy { background: var(--bad); }
.role { font-weight: 600; }
.role.sync { color: var(--ok); }
.role.delayed { color: var(--warn); }
.reason { display: block; color: var(--bad); font-size: 12px; max-width: 28em; }
.consumer.restarting, .consumer.silent, .consumer.absent { color: var(--warn); font-weight: 600; }
.last-error { display: block; color: var(--muted); font-size: 12px; max-width: 28em; }
.muted { color: var(--muted); }
svg.chart { display: block; }
svg.chart .ms { fill: none; stroke: #0969da; stroke-width: 1.5; }
svg.chart .events { fill: none; stroke: #bf8700; stroke-width: 1; stroke-dasharray: 3 2; }
svg.chart .axis { stroke: var(--line); stroke-width: 1; }
svg.chart .peak { font-size: 9px; fill: var(--muted); }
.legend { font-size: 11px; color: var(--muted); }
.legend .k1 { color: #0969da; } .legend .k2 { color: #bf8700; }
#counters { display: grid; grid-template-columns: repeat(auto-fill, minmax(170px, 1fr)); gap: 8px; }
#counters div { border: 1px solid var(--line); border-radius: 6px; padding: 6px 10px; }
#counters span { display: block; color: var(--muted); font-size: 12px; }
#counters strong { font-size: 16px; font-variant-numeric: tabular-nums; }
#state.error { color: var(--bad); }
#partial { color: var(--bad); font-weight: 600; }
#key-form { display: none; margin: 8px 0; }
#key-form.shown { display: block; }
.badge.active { background: var(--ok); }
.badge.moving { background: var(--warn); }
#leader-replica { font-weight: 600; font-size: 16px; }
#leader-transition { margin: 8px 0 0; padding: 6px 10px; border-left: 3px solid var(--warn); }
#leader-transition[hidden] { display: none; }
#leader-watch { margin: 8px 0 0; padding: 6px 10px; border-left: 3px solid var(--bad); }
#leader-watch[hidden] { display: none; }
td.nowrap { white-space: nowrap; }
td.fenced.some { color: var(--bad); font-weight: 600; }
figure.chart-box { margin: 0; }
figure.chart-box figcaption { font-size: 12px; color: var(--muted); max-width: 36em; }
svg.chart .collecting { font-size: 12px; fill: var(--muted); }
svg.chart .rate { fill: none; stroke: #1a7f37; stroke-width: 1.5; }
#writes-now { font-size: 20px; font-weight: 600; font-variant-numeric: tabular-nums; }
td.lag-some { color: var(--warn); font-weight: 600; }
#durability[data-state="ok"] { color: var(--ok); }
#durability[data-state="under-replicated"], #durability[data-state="unknown"] { color: var(--warn); }
#durability[data-state="below-min-isr"], #durability[data-state="offline"], #durability[data-risk="single-copy"] { color: var(--bad); }
caption { caption-side: top; text-align: left; color: var(--muted); font-size: 12px; padding: 0 0 4px; }
`;

const SCRIPT = `
(() => {
  const POLL_MS = 1000;
  const HISTORY_MS = 5 * 60 * 1000;
  const KEY_STORE = 'replog.apiKey';
  const statusUrl = new URL('replication/status', location.href);
  const history = new Map();
  const $ = (id) => document.getElementById(id);
  const el = (tag, attrs, text) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = String(text);
    return node;
  };
  const fmtMs = (v) => (v === null || v === undefined ? '–' : v >= 10000 ? (v / 1000).toFixed(1) + ' s' : Math.round(v) + ' ms');
  // Date, time and zone, so a time read off a screenshot or from another office is unambiguous:
  // "2024-05-01 14:10:00 CEST" (the browser's zone; the cell's title holds the UTC ISO time).
  const zoneOf = (d) => {
    const part = new Intl.DateTimeFormat(undefined, { timeZoneName: 'short' }).formatToParts(d).find((p) => p.type === 'timeZoneName');
    return part ? part.value : '';
  };
  const two = (n) => String(n).padStart(2, '0');
  const fmtDate = (d) =>
    d.getFullYear() + '-' + two(d.getMonth() + 1) + '-' + two(d.getDate()) + ' ' + two(d.getHours()) + ':' + two(d.getMinutes()) + ':' + two(d.getSeconds()) + ' ' + zoneOf(d);
  const fmtTime = (iso) => (iso ? fmtDate(new Date(iso)) : '–');
  const fmtPositions = (fence) => Object.entries(fence || {}).map(([p, o]) => p + ':' + o).join('  ');
  const timeCell = (iso) => el('td', { class: 'num nowrap', title: iso || '' }, fmtTime(iso));

  $('key-form').addEventListener('submit', (e) => {
    e.preventDefault();
    sessionStorage.setItem(KEY_STORE, $('key').value);
    $('key').value = '';
    $('key-form').classList.remove('shown');
    poll();
  });

  // Writes per second from the acknowledgement counters of two successive status reads.
  const writes = [];
  let lastAcks;
  function rememberWrites(status, now) {
    const c = status.counters || {};
    const acks = Object.values(c.acks || {}).reduce((a, b) => a + b, 0) + (c.failedAcks || 0);
    if (lastAcks && now > lastAcks.t && acks >= lastAcks.n) writes.push({ t: now, rate: ((acks - lastAcks.n) * 1000) / (now - lastAcks.t) });
    // A restarted leader process counts from zero again: start a new baseline.
    lastAcks = { t: now, n: acks };
    while (writes.length && writes[0].t < now - HISTORY_MS) writes.shift();
  }

  function remember(status) {
    const now = Date.parse(status.fetchedAt) || Date.now();
    rememberWrites(status, now);
    for (const f of status.followers) {
      const points = history.get(f.id) || [];
      // A lag that could not be read leaves a gap in the chart, never a point at 0.
      if (f.lag.events !== null && (!f.applyLagMs || f.applyLagMs.current !== null)) points.push({ t: now, ms: f.applyLagMs ? f.applyLagMs.current : 0, events: f.lag.events });
      while (points.length && points[0].t < now - HISTORY_MS) points.shift();
      history.set(f.id, points);
    }
  }

  const NS = 'http://www.w3.org/2000/svg';
  const svgEl = (tag, attrs, text) => {
    const node = document.createElementNS(NS, tag);
    for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
    if (text !== undefined) node.textContent = String(text);
    return node;
  };
  const minutes = (ms) => Math.max(1, Math.round(ms / 60000));

  /**
   * A line chart of series ([{ field, cls }]) over points ({ t, ...fields }), with a caption
   * people can read below it. Fewer than two points make no line: the chart says it is collecting.
   */
  function lineChart(points, series, title, describe) {
    const W = 260, H = 48;
    const svg = svgEl('svg', { class: 'chart', width: W, height: H, viewBox: '0 0 ' + W + ' ' + H, role: 'img' });
    svg.appendChild(svgEl('title', {}, title));
    svg.appendChild(svgEl('line', { class: 'axis', x1: 0, x2: W, y1: H - 1, y2: H - 1 }));
    const figure = el('figure', { class: 'chart-box' });
    figure.appendChild(svg);
    if (points.length < 2) {
      svg.appendChild(svgEl('text', { class: 'collecting', x: W / 2, y: H / 2 + 4, 'text-anchor': 'middle' }, 'collecting…'));
      figure.appendChild(el('figcaption', { 'data-field': 'caption' }, 'collecting: the line starts after two status reads (one a second)'));
      return figure;
    }
    const end = points[points.length - 1].t;
    // A young history fills the chart (at least the last minute), an old one shows 5 minutes.
    const span = Math.min(HISTORY_MS, Math.max(60 * 1000, end - points[0].t));
    const x = (t) => (W * (1 - (end - t) / span)).toFixed(1);
    const peaks = {};
    for (const { field, cls } of series) {
      const max = Math.max(1, ...points.map((p) => p[field]));
      peaks[field] = Math.max(...points.map((p) => p[field]));
      svg.appendChild(svgEl('polyline', { class: cls, points: points.map((p) => x(p.t) + ',' + (H - 2 - (H - 6) * (p[field] / max)).toFixed(1)).join(' ') }));
    }
    figure.appendChild(el('figcaption', { 'data-field': 'caption' }, describe(peaks, points[points.length - 1], minutes(span))));
    return figure;
  }

  function chart(id) {
    const points = history.get(id) || [];
    return lineChart(
      points,
      [{ field: 'ms', cls: 'ms' }, { field: 'events', cls: 'events' }],
      'lag of ' + id + ' over the last ' + minutes(points.length ? points[points.length - 1].t - points[0].t : 0) + ' min',
      (peak, last, min) => 'last ' + min + ' min: apply lag now ' + fmtMs(last.ms) + ' (peak ' + fmtMs(peak.ms) + '), ' + last.events + ' events behind (peak ' + peak.events + ')',
    );
  }

  function renderWrites() {
    const last = writes[writes.length - 1];
    $('writes-now').textContent = last ? last.rate.toFixed(1) + ' writes/s' : 'collecting…';
    $('writes-chart').replaceChildren(
      lineChart(writes, [{ field: 'rate', cls: 'rate' }], 'writes per second', (peak, now, min) =>
        'writes acknowledged or refused per second by this leader process, last ' + min + ' min: now ' + now.rate.toFixed(1) + ', peak ' + peak.rate.toFixed(1)),
    );
  }

  function renderSyncHistory(history) {
    if (!history || history.length === 0) {
      const tr = el('tr');
      tr.appendChild(el('td', { colspan: 5, class: 'muted' }, 'the sync follower has not changed since replog started'));
      $('sync-history').replaceChildren(tr);
      return;
    }
    $('sync-history').replaceChildren(...history.map((h) => {
      const tr = el('tr', { 'data-revision': h.revision });
      tr.appendChild(timeCell(h.at));
      tr.appendChild(el('td', { class: 'nowrap', 'data-field': 'change' }, (h.from || '(none)') + ' → ' + h.to));
      tr.appendChild(el('td', { 'data-field': 'kind' }, h.kind === 'promotion' ? 'promoted (the sync follower stopped confirming)' : 'designated by an operator'));
      tr.appendChild(el('td', { 'data-field': 'reason' }, h.reason));
      tr.appendChild(el('td', { class: 'num muted' }, h.revision));
      return tr;
    }));
  }

  function renderPartitionLag(s) {
    const partitions = Object.keys(s.topic.endOffsets).sort((a, b) => Number(a) - Number(b));
    const head = el('tr');
    head.appendChild(el('th', {}, 'follower'));
    for (const p of partitions) head.appendChild(el('th', { class: 'num' }, 'partition ' + p));
    $('partition-lag-head').replaceChildren(head);
    $('partition-lag').replaceChildren(...s.followers.map((f) => {
      const tr = el('tr', { 'data-lag-follower': f.id });
      tr.appendChild(el('td', {}, f.id));
      const per = (f.lag && f.lag.perPartition) || {};
      for (const p of partitions) {
        const n = per[p];
        const committed = f.committed ? f.committed[p] : undefined;
        tr.appendChild(el('td', {
          class: 'num' + (n > 0 ? ' lag-some' : ''),
          'data-partition': p,
          title: 'committed ' + (committed === null || committed === undefined ? '–' : committed) + ' of ' + s.topic.endOffsets[p],
        }, n === undefined ? '–' : n));
      }
      return tr;
    }));
  }

  // "handing over from A to B for term N, requested by … at … because …; fence …"
  function describeTransition(l) {
    const t = l.transition;
    if (!t) return 'leadership is ' + l.state + ': no target chosen yet';
    const verb = t.kind === 'failover' ? 'failing over' : 'handing over';
    const fence = t.fence ? 'fence at ' + fmtPositions(t.fence) : 'fence not in the log yet';
    return verb + ' from ' + t.from + ' to ' + t.to + ' for term ' + t.term + ', requested by ' + t.by +
      (t.requestedAt ? ' at ' + fmtTime(t.requestedAt) : '') + ' because ' + t.reason + '; ' + fence;
  }

  function renderLeader(l) {
    $('leader-replica').textContent = l.replica === undefined ? '–' : l.replica;
    $('leader-term').textContent = l.term === undefined ? '–' : l.term;
    const state = l.state || 'active';
    $('leader-state').replaceChildren(el('span', { class: 'badge ' + (state === 'active' ? 'active' : 'moving') }, state));
    $('leader-since').textContent = fmtTime(l.since);
    $('leader-since').title = l.since || '';
    $('leader-table').textContent = l.table;
    const moving = state !== 'active' || Boolean(l.transition);
    $('leader-transition').hidden = !moving;
    $('leader-transition').textContent = moving ? describeTransition(l) : '';
    // The watchdog's verdict on the leader's store, and deposed leaders waiting for their rewind.
    const w = l.watch;
    const watchLines = [];
    if (w && w.state !== 'healthy') {
      watchLines.push('watchdog: ' + w.leader + ' term ' + w.term + ' ' + w.state + (w.failingSince ? ', failing since ' + fmtTime(w.failingSince) : '') + (w.reason ? ' — ' + w.reason : ''));
    }
    for (const r of l.rewinding || []) {
      watchLines.push(r.replica + ' led up to term ' + r.lastTerm + ', deposed ' + fmtTime(r.since) + ': waiting for its rewind (replog rejoin ' + r.replica + ')');
    }
    $('leader-watch').hidden = watchLines.length === 0;
    $('leader-watch').textContent = watchLines.join(' · ');

    const terms = l.terms || [];
    $('terms').replaceChildren(...terms.map((t) => {
      const tr = el('tr', { 'data-term': t.term });
      tr.appendChild(el('td', { class: 'num', 'data-field': 'term' }, t.term));
      tr.appendChild(el('td', { class: 'nowrap', 'data-field': 'leader' }, t.leader));
      tr.appendChild(timeCell(t.startedAt));
      const fence = fmtPositions(t.fence);
      tr.appendChild(el('td', { class: 'num' + (fence ? '' : ' muted'), 'data-field': 'fence' }, fence || (t.term === 1 ? 'none (first term)' : '–')));
      return tr;
    }));

    const moves = l.history || [];
    if (moves.length === 0) {
      const tr = el('tr');
      tr.appendChild(el('td', { colspan: 7, class: 'muted' }, 'no leadership moves yet'));
      $('leader-history').replaceChildren(tr);
      return;
    }
    $('leader-history').replaceChildren(...moves.map((h) => {
      const tr = el('tr', { 'data-move': h.term });
      tr.appendChild(el('td', { class: 'num', 'data-field': 'term' }, h.term));
      tr.appendChild(el('td', { class: 'nowrap', 'data-field': 'move' }, h.from + ' → ' + h.to));
      tr.appendChild(timeCell(h.at));
      tr.appendChild(el('td', { 'data-field': 'kind' }, h.kind));
      tr.appendChild(el('td', { class: 'nowrap', 'data-field': 'by' }, h.by));
      tr.appendChild(el('td', { 'data-field': 'reason' }, h.reason));
      tr.appendChild(el('td', { class: 'num', 'data-field': 'pause' }, fmtMs(h.pauseMs)));
      return tr;
    }));
  }

  // The same line as \`replog status\` (core/topic-durability.ts describeDurability).
  function renderDurability(d) {
    const node = $('durability');
    if (d === undefined || d === null) {
      node.textContent = 'not reported';
      node.setAttribute('data-state', 'unknown');
      return;
    }
    if (d.error !== null) {
      node.textContent = 'unknown: ' + d.error;
      node.setAttribute('data-state', 'unknown');
      return;
    }
    const parts = ['RF ' + d.replicationFactor, 'min ISR ' + (d.minInsyncReplicas === null ? '?' : d.minInsyncReplicas), d.brokers + ' broker' + (d.brokers === 1 ? '' : 's') + ' alive',
      'under-replicated ' + (d.underReplicatedPartitions.length === 0 ? 'none' : d.underReplicatedPartitions.join(','))];
    if (d.belowMinIsrPartitions.length > 0) parts.push('BELOW MIN ISR ' + d.belowMinIsrPartitions.join(',') + ' (writes answer 503)');
    if (d.offlinePartitions.length > 0) parts.push('OFFLINE ' + d.offlinePartitions.join(','));
    if (d.uncleanLeaderElection === true) parts.push('UNCLEAN ELECTIONS ON');
    if (d.singleCopyRisk) parts.push('SINGLE COPY');
    node.textContent = parts.join(' · ');
    node.setAttribute('data-state', d.state);
    node.setAttribute('data-risk', d.singleCopyRisk ? 'single-copy' : 'none');
    node.title = d.singleCopyRisk || '';
  }

  const unavailableText = (u) => (u.unavailablePartitions && u.unavailablePartitions.length > 0 ? 'partition ' + u.unavailablePartitions.join(', ') + ' offline: ' : '') + u.error;

  // A partial document says so first: what is missing is unknown, not healthy and not 0.
  function renderPartial(s) {
    const node = $('partial');
    const unread = s.partial && s.unread ? s.unread : [];
    node.hidden = unread.length === 0;
    node.textContent = unread.length === 0 ? '' : 'PARTIAL: some replication facts could not be read; what depends on them is unknown and not reported healthy. ' +
      unread.map((u) => u.read + (u.groupId ? ' of ' + u.groupId : '') + ': ' + unavailableText(u)).join(' · ');
  }

  function render(s) {
    if (s.leader) renderLeader(s.leader);
    $('topic').textContent = s.topic.name;
    renderDurability(s.topic.durability);
    $('sync').textContent = s.control.syncFollower || '(none)';
    $('revision').textContent = s.control.revision;
    const offsetsUnavailable = s.topic.offsetsUnavailable;
    $('ends').textContent = offsetsUnavailable ? 'UNKNOWN (' + unavailableText(offsetsUnavailable) + ')' : Object.entries(s.topic.endOffsets).map(([p, o]) => p + ':' + o).join('  ');
    renderPartial(s);
    const rows = $('followers');
    rows.replaceChildren();
    for (const f of s.followers) {
      const tr = el('tr', { 'data-follower': f.id });
      tr.appendChild(el('td', {}, f.id));
      tr.appendChild(el('td', {}, '')).appendChild(el('span', { class: 'role ' + f.role, 'data-field': 'role' }, f.role));
      const health = tr.appendChild(el('td', { 'data-field': 'health' }));
      health.appendChild(el('span', { class: 'badge ' + (f.healthy ? 'healthy' : 'unhealthy') }, f.healthy ? 'healthy' : 'unhealthy'));
      if (f.healthReason) health.appendChild(el('span', { class: 'reason' }, f.healthReason));
      // What the process running the follower's consumer reports; none for an AWS event source mapping.
      const consumer = tr.appendChild(el('td', { 'data-field': 'consumer' }));
      if (f.consumer) {
        const label = f.consumer.state + (f.consumer.restarts > 0 ? ' (' + f.consumer.restarts + ' restart' + (f.consumer.restarts === 1 ? '' : 's') + ')' : '');
        consumer.appendChild(el('span', { class: 'consumer ' + f.consumer.state }, label));
        const e = f.consumer.lastError;
        if (e) consumer.appendChild(el('span', { class: 'last-error' }, 'last: ' + e.name + ': ' + e.message + ' at ' + fmtDate(new Date(e.at))));
      } else {
        consumer.appendChild(el('span', { class: 'muted' }, '–'));
      }
      tr.appendChild(el('td', { class: 'num', 'data-field': 'lag-events' }, f.lag.events === null ? 'unknown' : f.lag.events));
      const lag = f.applyLagMs || {};
      tr.appendChild(el('td', { class: 'num', 'data-field': 'lag-ms' }, fmtMs(lag.current)));
      tr.appendChild(el('td', { class: 'num muted' }, fmtMs(lag.last) + ' / ' + fmtMs(lag.p99)));
      // Events refused because a newer term's fence came before them (absent: this replog does not fence).
      const fenced = f.fencedRefusals || 0;
      tr.appendChild(el('td', { class: 'num fenced' + (fenced > 0 ? ' some' : ' muted'), 'data-field': 'fenced' }, fenced));
      tr.appendChild(el('td', { class: 'num muted' }, Object.entries(f.committed).map(([p, o]) => p + ':' + (o === null ? '–' : o)).join('  ')));
      tr.appendChild(el('td')).appendChild(chart(f.id));
      rows.appendChild(tr);
    }
    renderWrites();
    renderSyncHistory(s.control.history);
    renderPartitionLag(s);
    const c = s.counters;
    const counters = [
      ...Object.entries(c.acks).map(([mode, n]) => ['acks ' + mode, n]),
      ['sync timeouts', c.syncTimeouts],
      ['promotions', c.promotions],
      ['degraded acks', c.degradedAcks],
      ['failed acks', c.failedAcks],
      ['publish failures', c.publishFailures],
      ['producer sessions ended', c.producerSessionsEnded],
      ['writes that waited for the publish records', c.backlogWaits?.count ?? 0],
      ['ack wait avg', fmtMs(c.wait.averageMs)],
      ['ack wait p99', fmtMs(c.wait.p99Ms)],
      ['ack wait max', fmtMs(c.wait.maxMs)],
    ];
    $('counters').replaceChildren(...counters.map(([label, value]) => {
      const box = el('div');
      box.appendChild(el('span', {}, label));
      box.appendChild(el('strong', {}, value));
      return box;
    }));
  }

  let timer;
  async function poll() {
    clearTimeout(timer);
    const key = sessionStorage.getItem(KEY_STORE);
    try {
      const res = await fetch(statusUrl, { cache: 'no-store', headers: key ? { 'x-api-key': key } : {} });
      if (res.status === 401 || res.status === 403) {
        $('key-form').classList.add('shown');
        throw new Error(res.status === 401 ? 'an API key is needed to read status' : 'the API key was refused');
      }
      const body = await res.json();
      if (!res.ok) throw new Error((body.error && body.error.message) || 'status answered ' + res.status);
      remember(body);
      render(body);
      $('state').className = '';
      $('state').textContent = 'updated ' + fmtDate(new Date());
    } catch (error) {
      $('state').className = 'error';
      $('state').textContent = 'status unavailable: ' + error.message;
    }
    timer = setTimeout(poll, POLL_MS);
  }
  poll();
})();
`;

const BODY = `
<h1>replog replication</h1>
<p class="meta">topic <b id="topic">…</b> · sync follower <b id="sync">…</b> · revision <b id="revision">…</b> · end offsets <b id="ends">…</b></p>
<p class="meta">log durability <b id="durability" data-state="unknown">…</b></p>
<p class="meta"><span id="state">loading…</span></p>
<p class="meta" id="partial" hidden></p>
<form id="key-form"><label>API key <input id="key" type="password" autocomplete="off" size="40"></label> <button type="submit">Use key</button> <span class="muted">(kept in this tab's session storage only)</span></form>
<h2>Leader</h2>
<table>
  <thead><tr><th>replica</th><th>term</th><th>state</th><th>since</th><th>table</th></tr></thead>
  <tbody><tr id="leader-row"><td id="leader-replica">…</td><td class="num" id="leader-term">…</td><td id="leader-state">…</td><td class="num" id="leader-since">…</td><td id="leader-table">…</td></tr></tbody>
</table>
<p id="leader-transition" hidden></p>
<p id="leader-watch" hidden></p>
<h2>Writes per second <span class="muted">(this leader process)</span></h2>
<p><span id="writes-now">collecting…</span></p>
<div id="writes-chart"></div>
<h2>Followers <span class="muted">(every replica but the leader)</span></h2>
<table>
  <thead><tr><th>follower</th><th>role</th><th>health</th><th>consumer</th><th>lag (events)</th><th>apply lag</th><th>last / p99</th><th title="events refused because a newer term's fence came before them">fenced</th><th>committed</th><th>lag over time <span class="legend"><span class="k1">— apply lag (ms)</span> <span class="k2">- - events behind</span></span></th></tr></thead>
  <tbody id="followers"></tbody>
</table>
<h2>Lag per partition <span class="muted">(events in the log past each follower's committed offset)</span></h2>
<table>
  <caption>a partition that stays behind while the others are at 0 points at one consumer or one hot key; hover a cell for its committed and end offsets</caption>
  <thead id="partition-lag-head"></thead>
  <tbody id="partition-lag"></tbody>
</table>
<h2>Sync follower changes <span class="muted">(newest first)</span></h2>
<table>
  <caption>who became the follower that semi-sync writes wait for, when, and why</caption>
  <thead><tr><th>when</th><th>from → to</th><th>how</th><th>why</th><th>revision</th></tr></thead>
  <tbody id="sync-history"></tbody>
</table>
<h2>Leadership history <span class="muted">(newest first)</span></h2>
<table>
  <thead><tr><th>term</th><th>from → to</th><th>when</th><th>kind</th><th>by</th><th>why</th><th>write pause</th></tr></thead>
  <tbody id="leader-history"></tbody>
</table>
<h2>Terms <span class="muted">(newest first; a follower refuses an older term's record at or after a newer term's fence)</span></h2>
<table>
  <thead><tr><th>term</th><th>leader</th><th>started</th><th>fence (partition:offset)</th></tr></thead>
  <tbody id="terms"></tbody>
</table>
<h2>Replication counters <span class="muted">(this leader process)</span></h2>
<div id="counters"></div>
`;

const sha256 = (text: string) => `'sha256-${createHash('sha256').update(text, 'utf8').digest('base64')}'`;

export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>replog dashboard</title>
<link rel="icon" href="data:,">
<style>${STYLE}</style>
</head>
<body>${BODY}<script>${SCRIPT}</script>
</body>
</html>
`;

/** Only the page's own inline script and style may run, and it may only talk to its own origin. */
export const DASHBOARD_CSP = [
  "default-src 'none'",
  `script-src ${sha256(SCRIPT)}`,
  `style-src ${sha256(STYLE)}`,
  "connect-src 'self'",
  "img-src 'self' data:",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');
