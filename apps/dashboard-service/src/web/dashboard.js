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

  /** Debounced polling: a poll already due sooner is kept, so a burst of events cannot starve it. */
  function scheduler(poll) {
    let timer = null;
    let due = 0;
    return (delay) => {
      const at = Date.now() + delay;
      if (timer !== null && due <= at) return;
      clearTimeout(timer);
      due = at;
      timer = setTimeout(() => {
        timer = null;
        poll();
      }, delay);
    };
  }
  const scheduleLag = scheduler(pollLag);

  async function pollLag() {
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

  // ---------- signups per minute (signup-analytics' windows) ----------
  const PER_MINUTE = 30;
  const MINUTE_MS = 60_000;
  const PER_MINUTE_AFTER_EVENT_MS = 300;
  // The windows slide with the clock even when no record arrives.
  const PER_MINUTE_POLL_MS = MINUTE_MS;
  const schedulePerMinute = scheduler(pollPerMinute);

  async function pollPerMinute() {
    const errorBox = byTestId('per-minute-error');
    try {
      renderPerMinute(await fetchJson(`api/signups-per-minute?minutes=${PER_MINUTE}`));
      errorBox.hidden = true;
    } catch (err) {
      errorBox.textContent = `Could not load signups per minute (${err.message}); retrying…`;
      errorBox.hidden = false;
    } finally {
      schedulePerMinute(PER_MINUTE_POLL_MS);
    }
  }

  /** One count per minute from `from`, 0 for a minute without a record (no signups then). */
  function minuteCounts(from, windows) {
    const start = Date.parse(from);
    const counts = new Array(PER_MINUTE).fill(0);
    for (const w of windows) {
      const i = Math.round((Date.parse(w.windowStart) - start) / MINUTE_MS);
      if (i >= 0 && i < PER_MINUTE) counts[i] = num(w.count);
    }
    return counts;
  }

  function sparkline(counts, max) {
    const W = 240;
    const H = 28;
    const x = (i) => (i / (counts.length - 1)) * (W - 2) + 1;
    const y = (c) => H - 2 - (c / max) * (H - 4);
    const points = counts.map((c, i) => `${x(i).toFixed(1)},${y(c).toFixed(1)}`).join(' ');
    const root = svg('svg', { class: 'spark', viewBox: `0 0 ${W} ${H}`, 'aria-hidden': 'true', focusable: 'false' });
    root.append(svg('polyline', { points }));
    return root;
  }

  function renderPerMinute(data) {
    const series = arr(data?.series).map((s) => ({
      locale: s.locale,
      counts: minuteCounts(data.from, arr(s.windows)),
    }));
    const max = Math.max(1, ...series.flatMap((s) => s.counts));
    byTestId('per-minute-empty').hidden = series.length > 0;
    byTestId('per-minute-table')
      .querySelector('tbody')
      .replaceChildren(
        ...series.map(({ locale, counts }) => {
          const total = counts.reduce((a, b) => a + b, 0);
          const chart = el('td', { attrs: { title: `${locale}: ${counts.join(', ')} (oldest first)` } }, [
            sparkline(counts, max),
          ]);
          return el('tr', { attrs: { 'data-locale': locale } }, [
            el('td', { cls: 'mono', text: locale || '?' }),
            chart,
            el('td', { cls: 'num', text: counts[counts.length - 1] }),
            el('td', { cls: 'num', attrs: { 'data-testid': `per-minute-total-${locale}` }, text: total }),
          ]);
        }),
      );
  }

  // ---------- sign-in: OpenID Connect authorization code flow with PKCE ----------
  // The access token lives in this page's memory only (never in storage a script could read later); a reload
  // signs in again, silently while the provider's session lasts.
  const auth = { token: null, refreshToken: null, clientId: null, endpoints: null };
  const base64url = (bytes) =>
    btoa(String.fromCharCode(...new Uint8Array(bytes)))
      .replace(/\+/g, '-')
      .replace(/\//g, '_')
      .replace(/=+$/, '');
  const randomToken = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
  const redirectUri = () => `${location.origin}${location.pathname}`;

  /** Resolves once signed in; or leaves for the provider's login page (and resolves never). */
  async function signIn() {
    const config = await fetchJson('auth-config.json', false);
    auth.clientId = config.clientId;
    auth.endpoints = await fetchJson(`${config.issuer}/.well-known/openid-configuration`, false);
    const answer = new URLSearchParams(location.search);
    const expected = sessionStorage.getItem('oidc.state');
    const verifier = sessionStorage.getItem('oidc.verifier');
    sessionStorage.removeItem('oidc.state');
    sessionStorage.removeItem('oidc.verifier');
    if (answer.has('error')) throw new Error(answer.get('error_description') || answer.get('error'));
    if (answer.has('code') && expected && answer.get('state') === expected) {
      history.replaceState(null, '', location.pathname);
      const code = answer.get('code');
      return requestToken({
        grant_type: 'authorization_code',
        code,
        redirect_uri: redirectUri(),
        code_verifier: verifier,
      });
    }
    const state = randomToken();
    const codeVerifier = randomToken();
    sessionStorage.setItem('oidc.state', state);
    sessionStorage.setItem('oidc.verifier', codeVerifier);
    const challenge = base64url(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(codeVerifier)));
    const query = new URLSearchParams({
      client_id: auth.clientId,
      response_type: 'code',
      scope: 'openid',
      redirect_uri: redirectUri(),
      state,
      code_challenge: challenge,
      code_challenge_method: 'S256',
    });
    location.assign(`${auth.endpoints.authorization_endpoint}?${query}`);
    // The page is being left for the login form: nothing after this may call the API without a token.
    return new Promise(() => undefined);
  }

  async function requestToken(fields) {
    const res = await fetch(auth.endpoints.token_endpoint, {
      method: 'POST',
      body: new URLSearchParams({ client_id: auth.clientId, ...fields }),
    });
    if (!res.ok) throw new Error(`the sign-in was refused (HTTP ${res.status})`);
    const body = await res.json();
    auth.token = body.access_token;
    auth.refreshToken = body.refresh_token;
    showViewer(body.access_token);
    // Renewed before it expires; if the provider's session ended, sign in again.
    const renewInSeconds = Math.max(5, Number(body.expires_in) - 30);
    setTimeout(() => {
      requestToken({ grant_type: 'refresh_token', refresh_token: auth.refreshToken }).catch(() => location.reload());
    }, renewInSeconds * 1000);
  }

  function showViewer(token) {
    const claims = JSON.parse(atob(token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/')));
    const roles = arr(claims.realm_access?.roles);
    byTestId('viewer').textContent = `${claims.preferred_username ?? 'signed in'}${
      roles.includes('users:read') ? '' : ' (names masked)'
    }`;
  }

  // ---------- networking ----------
  async function fetchJson(url, withToken = true) {
    const headers = { accept: 'application/json' };
    if (withToken) headers.authorization = `Bearer ${auth.token}`;
    const res = await fetch(url, { headers, cache: 'no-store' });
    if (!res.ok) throw new Error(`HTTP ${res.status}`);
    return res.json();
  }

  function setConnection(live) {
    const node = byTestId('connection');
    node.textContent = live ? 'live' : 'reconnecting';
    node.classList.toggle('live', live);
    node.classList.toggle('offline', !live);
  }

  // Server-Sent Events over fetch: EventSource cannot send an Authorization header.
  async function connect() {
    try {
      const res = await fetch('api/stream', {
        headers: { accept: 'text/event-stream', authorization: `Bearer ${auth.token}` },
        cache: 'no-store',
      });
      if (!res.ok) throw new Error(`HTTP ${res.status}`);
      setConnection(true);
      scheduleLag(0);
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      let buffered = '';
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buffered += value;
        for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
          onFrame(buffered.slice(0, end));
          buffered = buffered.slice(end + 2);
        }
      }
    } catch {
      // reconnects below
    }
    setConnection(false);
    setTimeout(connect, 3000);
  }

  function onFrame(frame) {
    let event = 'message';
    const data = [];
    for (const line of frame.split('\n')) {
      if (line.startsWith('event:')) event = line.slice(6).trim();
      else if (line.startsWith('data:')) data.push(line.slice(5).trimStart());
    }
    if (data.length === 0) return;
    const payload = JSON.parse(data.join('\n'));
    if (event === 'stats') {
      renderStats(payload);
      // Sent on connect and after a replay's switch: the windows may have changed too.
      schedulePerMinute(0);
    }
    if (event === 'handled') {
      addEvent(payload.event);
      if (payload.event?.type === 'signups_per_minute') schedulePerMinute(PER_MINUTE_AFTER_EVENT_MS);
      renderStats(payload.stats);
      scheduleLag(LAG_AFTER_EVENT_MS);
    }
  }

  async function start() {
    setConnection(false);
    renderChart([]);
    try {
      await signIn();
    } catch (err) {
      byTestId('viewer').textContent = `sign-in failed (${err.message}); reload to try again`;
      return;
    }
    scheduleLag(0);
    schedulePerMinute(0);
    try {
      renderStats(await fetchJson('api/stats'));
    } catch (err) {
      byTestId('updated-at').textContent = `stats unavailable (${err.message})`;
    }
    connect();
  }

  start();
})();
