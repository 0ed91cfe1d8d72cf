'use strict';

// Kafka platform dashboard: static page, no build step, no dependencies.
// All user-provided data is written with textContent / DOM APIs only (no innerHTML).
(() => {
  const MAX_EVENTS = 50;
  const LAG_POLL_MS = 2000;
  const LAG_AFTER_EVENT_MS = 300;
  const SVG_NS = 'http://www.w3.org/2000/svg';

  const byTestId = (id) => document.querySelector(`[data-testid="${id}"]`);

  /** Creates an HTML (or SVG) element with optional class, text, attributes and children. */
  function el(tag, { cls, text, attrs, ns } = {}, children = []) {
    const node = ns ? document.createElementNS(ns, tag) : document.createElement(tag);
    if (cls) node.setAttribute('class', cls);
    if (text !== undefined) node.textContent = String(text);
    for (const [k, v] of Object.entries(attrs ?? {})) node.setAttribute(k, String(v));
    node.append(...children);
    return node;
  }
  const svg = (tag, attrs = {}, text) => el(tag, { ns: SVG_NS, attrs, text });

  const short = (value, n = 8) => String(value ?? '').slice(0, n);
  const num = (value) => (Number.isFinite(Number(value)) ? Number(value) : 0);
  const arr = (value) => (Array.isArray(value) ? value : []);

  function relTime(iso) {
    const secs = Math.round((Date.now() - Date.parse(iso)) / 1000);
    if (!Number.isFinite(secs)) return String(iso ?? '');
    if (secs < 5) return 'just now';
    if (secs < 60) return `${secs}s ago`;
    if (secs < 3600) return `${Math.floor(secs / 60)}m ago`;
    if (secs < 86400) return `${Math.floor(secs / 3600)}h ago`;
    return new Date(iso).toISOString().slice(0, 10);
  }

  function clockTime(iso) {
    const d = new Date(iso);
    return Number.isNaN(d.getTime()) ? String(iso ?? '') : d.toLocaleTimeString([], { hour12: false });
  }

  // ---------- stats ----------
  let lastStatsAt = 0;

  function renderStats(stats) {
    if (!stats || typeof stats !== 'object') return;
    const at = Date.parse(stats.updatedAt) || 0;
    if (at < lastStatsAt) return; // ignore an out-of-order (older) snapshot
    lastStatsAt = at;

    byTestId('stat-total').textContent = String(num(stats.totalUsers));
    byTestId('stat-created').textContent = String(num(stats.created));
    byTestId('stat-deleted').textContent = String(num(stats.deleted));
    byTestId('updated-at').textContent = at ? `updated ${clockTime(stats.updatedAt)}` : 'updated';

    renderChart(arr(stats.signupsPerDay));
    renderLocales(arr(stats.usersPerLocale));
    renderRecent(arr(stats.recentSignups));
  }

  function renderChart(days) {
    const box = byTestId('signups-chart');
    const W = 640;
    const H = 200;
    const pad = { top: 18, right: 20, bottom: 24, left: 20 };
    const root = svg('svg', { viewBox: `0 0 ${W} ${H}`, 'aria-hidden': 'true', focusable: 'false' });
    const baseY = H - pad.bottom;
    root.append(svg('line', { class: 'axis', x1: pad.left, x2: W - pad.right, y1: baseY, y2: baseY }));

    if (days.length === 0) {
      box.setAttribute('aria-label', 'Signups per day: no signups yet');
      root.append(svg('text', { x: W / 2, y: H / 2, 'text-anchor': 'middle' }, 'No signups yet'));
      box.replaceChildren(root);
      return;
    }

    const counts = days.map((d) => num(d.count));
    const max = Math.max(1, ...counts);
    const total = counts.reduce((a, b) => a + b, 0);
    const peak = days[counts.indexOf(Math.max(...counts))];
    const range = days.length === 1 ? `on ${days[0].day}` : `from ${days[0].day} to ${days[days.length - 1].day}`;
    box.setAttribute(
      'aria-label',
      `Signups per day ${range}: ${total} in total over ${days.length} day${days.length === 1 ? '' : 's'}, ` +
        `peak ${num(peak.count)} on ${peak.day}`,
    );

    const slot = (W - pad.left - pad.right) / days.length;
    const barW = Math.min(slot * 0.7, 56);
    const plotH = baseY - pad.top;
    const labelEvery = Math.ceil(days.length / (box.clientWidth < 500 ? 5 : 10)); // few labels on narrow screens
    const showAllCounts = days.length <= 20;

    days.forEach((d, i) => {
      const count = counts[i];
      const h = Math.max((count / max) * plotH, count > 0 ? 2 : 0);
      const cx = pad.left + slot * i + slot / 2;
      const bar = svg('rect', { class: 'bar', x: cx - barW / 2, y: baseY - h, width: barW, height: h, rx: 2 });
      bar.append(svg('title', {}, `${d.day}: ${count}`));
      root.append(bar);
      if (showAllCounts || count === max) {
        root.append(svg('text', { class: 'count', x: cx, y: baseY - h - 4, 'text-anchor': 'middle' }, count));
      }
      if ((days.length - 1 - i) % labelEvery === 0) {
        const label = String(d.day ?? '').slice(5) || String(d.day ?? ''); // "MM-DD"
        root.append(svg('text', { x: cx, y: H - 7, 'text-anchor': 'middle' }, label));
      }
    });
    box.replaceChildren(root);
  }

  function renderLocales(list) {
    const rows = [...list].sort((a, b) => num(b.count) - num(a.count));
    const max = Math.max(1, ...rows.map((r) => num(r.count)));
    byTestId('locales-empty').hidden = rows.length > 0;
    byTestId('locales').replaceChildren(
      ...rows.map((r) => {
        const fill = el('div', { cls: 'fill' });
        fill.style.width = `${(num(r.count) / max) * 100}%`;
        return el('li', { attrs: { 'data-locale': r.locale } }, [
          el('span', { cls: 'mono', text: r.locale || '?' }),
          el('div', { cls: 'track', attrs: { 'aria-hidden': 'true' } }, [fill]),
          el('span', { cls: 'num', text: num(r.count) }),
        ]);
      }),
    );
  }

  function timeEl(iso, text) {
    return el('time', { text, attrs: { datetime: iso ?? '', title: iso ?? '' } });
  }

  function renderRecent(list) {
    const ul = byTestId('recent-signups');
    if (list.length === 0) {
      ul.replaceChildren(el('li', { cls: 'empty', text: 'No signups yet.' }));
      return;
    }
    ul.replaceChildren(
      ...list.map((u) => {
        const t = timeEl(u.at, relTime(u.at));
        t.classList.add('rel');
        return el('li', { attrs: { 'data-user-id': u.userId ?? '' } }, [
          el('span', { cls: 'name', text: u.name ?? '' }),
          el('span', { cls: 'grow muted', text: u.email ?? '' }),
          el('span', { cls: 'badge', text: u.locale ?? '?' }),
          t,
        ]);
      }),
    );
  }

  // Keep relative times fresh without waiting for new stats.
  setInterval(() => {
    for (const t of document.querySelectorAll('time.rel')) t.textContent = relTime(t.getAttribute('datetime'));
  }, 15000);

  // ---------- live events feed ----------
  function addEvent(ev) {
    if (!ev || typeof ev !== 'object') return;
    const feed = byTestId('events-feed');
    feed.querySelector('li.empty')?.remove();
    const li = el('li', { cls: 'fresh', attrs: { 'data-event-id': ev.id ?? '' } }, [
      el('span', { cls: `badge ${String(ev.type ?? '').replace(/[^a-z_]/g, '')}`, text: ev.type ?? 'unknown' }),
      el('span', { cls: 'mono', text: `v${ev.version ?? '?'}` }),
      el('span', { cls: 'mono', text: `key ${short(ev.key)}`, attrs: { title: ev.key ?? '' } }),
      el('span', {
        cls: 'grow mono',
        text: `corr ${short(ev.correlationId)}`,
        attrs: { title: ev.correlationId ?? '' },
      }),
      timeEl(ev.occurredAt, clockTime(ev.occurredAt)),
    ]);
    feed.prepend(li);
    while (feed.children.length > MAX_EVENTS) feed.lastElementChild.remove();
  }

  // ---------- consumer lag ----------
  function renderLag(data) {
    byTestId('lag-topic').textContent = data?.topic ? `topic ${data.topic}` : '';
    const groups = arr(data?.groups);
    const tbody = byTestId('lag-table').tBodies[0];
    if (groups.length === 0) {
      tbody.replaceChildren(
        el('tr', {}, [el('td', { cls: 'empty', text: 'No consumer groups.', attrs: { colspan: 3 } })]),
      );
      return;
    }
    tbody.replaceChildren(
      ...groups.map((g) => {
        const total = num(g.totalLag);
        const parts = arr(g.partitions).map((p) => {
          const committed = String(p.committed) === '-1' ? 'none' : p.committed; // "-1" = nothing committed yet
          const title = `partition ${p.partition}: committed ${committed}, log end ${p.logEnd}`;
          const cls = `part mono${num(p.lag) > 0 ? ' behind' : ''}`;
          return el('span', { cls, text: `p${p.partition}: ${num(p.lag)}`, attrs: { title } });
        });
        return el('tr', { attrs: { 'data-testid': `lag-${g.groupId}` } }, [
          el('th', { cls: 'mono', text: g.groupId, attrs: { scope: 'row' } }),
          el('td', { cls: `num${total > 0 ? ' behind' : ''}` }, [
            el('span', { text: total, attrs: { 'data-testid': `lag-total-${g.groupId}` } }),
          ]),
          el('td', {}, [el('div', { cls: 'parts' }, parts)]),
        ]);
      }),
    );
  }

  // Debounced polling: a poll already due sooner is kept, so a burst of events cannot starve it.
  let lagTimer = null;
  let lagDue = 0;

  function scheduleLag(delay) {
    const due = Date.now() + delay;
    if (lagTimer !== null && lagDue <= due) return;
    clearTimeout(lagTimer);
    lagDue = due;
    lagTimer = setTimeout(pollLag, delay);
  }

  async function pollLag() {
    lagTimer = null;
    const errorBox = byTestId('lag-error');
    try {
      renderLag(await fetchJson('api/consumer-groups'));
      errorBox.hidden = true;
    } catch (err) {
      errorBox.textContent = `Could not load consumer lag (${err.message}); retrying…`;
      errorBox.hidden = false;
    } finally {
      scheduleLag(LAG_POLL_MS);
    }
  }

  // ---------- networking ----------
  async function fetchJson(url) {
    const res = await fetch(url, { headers: { accept: 'application/json' }, cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json();
  }

  function setConnection(live) {
    const node = byTestId('connection');
    node.textContent = live ? 'live' : 'reconnecting';
    node.classList.toggle('live', live);
    node.classList.toggle('offline', !live);
  }

  function connect() {
    const source = new EventSource('api/stream');
    source.onopen = () => {
      setConnection(true);
      scheduleLag(0);
    };
    source.onerror = () => {
      setConnection(false);
      // The browser retries by itself unless the stream was closed for good (e.g. HTTP error).
      if (source.readyState === EventSource.CLOSED) setTimeout(connect, 3000);
    };
    source.addEventListener('stats', (m) => renderStats(JSON.parse(m.data)));
    source.addEventListener('handled', (m) => {
      const payload = JSON.parse(m.data);
      addEvent(payload.event);
      renderStats(payload.stats);
      scheduleLag(LAG_AFTER_EVENT_MS);
    });
  }

  async function start() {
    setConnection(false);
    renderChart([]);
    scheduleLag(0);
    try {
      renderStats(await fetchJson('api/stats'));
    } catch (err) {
      byTestId('updated-at').textContent = `stats unavailable (${err.message})`;
    }
    connect();
  }

  start();
})();
