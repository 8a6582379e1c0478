// The live inbox dashboard. It keeps the last state the server sent and
// re-renders the sections a message carries. Data only ever reaches the
// page through textContent and element properties, never as HTML.
'use strict';

(function () {
  // Each table holds its rows by ID and their order, as the stream's
  // snapshot and deltas give them (see apply).
  const table = () => ({ rows: new Map(), order: [] });
  const state = { summary: null, advice: [], day: null, teams: table(), teammates: table(), calls: table() };
  // The teammates the stream shows: a search and a page.
  const view = { q: '', offset: 0, limit: 50, total: 0, matched: 0 };
  const channels = ['All', 'Conversations', 'Phone'];
  let selectedCall = null;

  const $ = (id) => document.getElementById(id);

  function el(tag, text, cls) {
    const e = document.createElement(tag);
    if (text !== undefined && text !== null) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }

  // duration formats seconds as "45 s", "3 min 05 s" or "2 h 04 min".
  // duration shows a *_ms field (the server's durations are integer
  // milliseconds).
  function duration(ms) {
    if (typeof ms !== 'number' || !isFinite(ms) || ms <= 0) return '0 s';
    let s = Math.round(ms / 1000);
    if (s < 60) return s + ' s';
    const m = Math.floor(s / 60);
    if (m < 60) return m + ' min ' + String(s % 60).padStart(2, '0') + ' s';
    return Math.floor(m / 60) + ' h ' + String(m % 60).padStart(2, '0') + ' min';
  }

  function clock(at) {
    const d = new Date(at);
    return isNaN(d) ? '' : d.toLocaleTimeString();
  }

  function notice(msg) {
    const n = $('notice');
    n.textContent = msg || '';
    n.hidden = !msg;
  }

  function setText(id, v) {
    const e = $(id);
    if (e.textContent !== String(v)) e.textContent = String(v);
  }

  function renderSummary() {
    const s = state.summary;
    if (!s) return;
    setText('card-in_queue', s.in_queue);
    setText('card-active', s.active);
    setText('card-completed', s.completed);
    setText('card-abandoned', s.abandoned);
    setText('card-no_answer', s.no_answer);
    setText('card-voicemails', s.voicemails);
    setText('card-callbacks', s.callbacks);
    setText('card-callbacks_unreached', s.callbacks_unreached);
    setText('card-call_duration', duration(s.call_duration_ms));
    setText('card-answer_time', duration(s.answer_time_ms));
    setText('card-available_for_phone', s.available_for_phone);
  }

  // fill sets a row's cells to the given values, as text; a null value
  // leaves its cell (a control) alone.
  function fill(tr, values) {
    while (tr.cells.length > values.length) tr.deleteCell(-1);
    values.forEach((v, i) => {
      const td = tr.cells[i] || tr.insertCell(-1);
      if (v !== null && td.textContent !== String(v)) td.textContent = String(v);
    });
  }

  // keyed updates a tbody's rows in place, one per item, in order, keyed
  // by item.id, so that focused controls survive updates.
  function keyed(tbody, items, update) {
    const old = new Map();
    for (const tr of Array.from(tbody.rows)) old.set(tr.dataset.id, tr);
    items.forEach((it, i) => {
      let tr = old.get(it.id);
      if (tr) old.delete(it.id); else { tr = document.createElement('tr'); tr.dataset.id = it.id; }
      update(tr, it);
      if (tbody.rows[i] !== tr) tbody.insertBefore(tr, tbody.rows[i] || null);
    });
    for (const tr of old.values()) tr.remove();
  }

  function list(t) {
    return t.order.map((id) => t.rows.get(id));
  }

  function teamName(id) {
    const t = state.teams.rows.get(id);
    return t ? t.name || t.id : id;
  }

  function renderTeams() {
    keyed($('teams').tBodies[0], list(state.teams), (tr, t) => fill(tr, [
      t.name || t.id, t.members, t.in_queue, t.active, t.completed, t.abandoned, t.no_answer,
      t.voicemails, t.callbacks, duration(t.answer_time_ms), duration(t.queue_time_ms), t.available_for_phone,
      duration(t.talk_time_ms),
    ]));
  }

  function channelSelect(tr, m) {
    let sel = tr.querySelector('select');
    if (!sel) {
      sel = document.createElement('select');
      sel.setAttribute('aria-label', 'Channel availability');
      for (const c of channels) sel.appendChild(el('option', c)).value = c;
      sel.addEventListener('change', () => changeChannel(tr.dataset.id, sel));
    }
    sel.dataset.current = m.channel;
    if (document.activeElement !== sel && !sel.dataset.pending) sel.value = m.channel;
    return sel;
  }

  function renderTeammates() {
    keyed($('teammates').tBodies[0], list(state.teammates), (tr, m) => {
      const sel = channelSelect(tr, m);
      const call = m.ringing ? 'Ringing (' + m.ringing + ')' : m.calls > 0 ? 'On a call' : '–';
      const status = m.reason ? m.status + ' · ' + m.reason : m.status;
      fill(tr, [m.name || m.id, (m.teams || []).join(', '), status, null, m.client, call,
        duration(m.talk_time_ms), m.available_for_phone ? 'yes' : 'no']);
      if (sel.parentNode !== tr.cells[3]) tr.cells[3].replaceChildren(sel);
      tr.classList.toggle('available', !!m.available_for_phone);
    });
    const from = view.matched === 0 ? 0 : view.offset + 1;
    const to = view.offset + state.teammates.order.length;
    setText('page-info', view.matched === 0 ? (view.q ? 'No teammate matches.' : 'No teammates.')
      : from + '–' + to + ' of ' + view.matched + (view.q ? ' matching (' + view.total + ' in all)' : ''));
    $('page-prev').disabled = view.offset === 0;
    $('page-next').disabled = to >= view.matched;
    // The page emptied under us (teammates removed): go back to the last one.
    if (view.matched > 0 && view.offset >= view.matched) {
      view.offset = Math.max(0, Math.floor((view.matched - 1) / view.limit) * view.limit);
      connect();
    }
  }

  function changeChannel(id, sel) {
    const channel = sel.value;
    sel.dataset.pending = '1';
    sel.disabled = true;
    fetch('/dashboard/teammates/' + encodeURIComponent(id) + '/channel', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ channel: channel }),
    }).then((r) => r.json().then((body) => {
      if (!r.ok) throw new Error(body.error || r.statusText);
      notice('');
    })).catch((err) => {
      notice('Could not change the channel: ' + err.message);
      sel.value = sel.dataset.current || sel.value;
    }).finally(() => {
      delete sel.dataset.pending;
      sel.disabled = false;
    });
  }

  function renderAdvice() {
    const rows = state.advice.map((a) => Object.assign({ id: a.team }, a));
    keyed($('advice').tBodies[0], rows, (tr, a) => {
      const target = a.target ? Math.round(a.target.fraction * 100) + ' % within ' +
        duration(a.target.within / 1e6) : ''; // Go durations: nanoseconds
      fill(tr, [teamName(a.team), a.available, a.needed, (a.arrivals_per_hour || 0).toFixed(1),
        duration((a.mean_handle || 0) / 1e6), target, a.text]);
      tr.classList.toggle('short', a.needed > a.available);
    });
    $('advice-empty').hidden = state.advice.length > 0;
  }

  // The day's charts: small inline SVGs, one set per team, drawn from the
  // ended buckets the server sends (the section changes once per bucket).
  const SVG = 'http://www.w3.org/2000/svg';
  const CW = 384, CH = 48; // the viewBox; the svg stretches to its box

  function svgEl(tag, attrs) {
    const e = document.createElementNS(SVG, tag);
    for (const k in attrs) e.setAttribute(k, attrs[k]);
    return e;
  }

  function chart(cls, label) {
    const fig = el('figure', null, 'chart');
    fig.append(el('figcaption', label));
    const svg = svgEl('svg', { viewBox: '0 0 ' + CW + ' ' + CH, preserveAspectRatio: 'none', class: cls, role: 'img' });
    svg.setAttribute('aria-label', label);
    fig.append(svg);
    return { fig, svg };
  }

  // bars draws one bar per bucket with a value (v >= 0), scaled to max;
  // cls picks each bar's class.
  function bars(svg, values, slots, max, cls) {
    const w = CW / slots;
    values.forEach((v, i) => {
      if (v < 0) return;
      const h = Math.max(1, Math.min(1, v / max) * (CH - 2));
      svg.append(svgEl('rect', { x: (i * w).toFixed(1), y: (CH - h).toFixed(1), width: Math.max(1, w - 1).toFixed(1),
        height: h.toFixed(1), class: 'bar ' + (cls ? cls(v) : '') }));
    });
  }

  function hline(svg, y, cls) {
    svg.append(svgEl('line', { x1: 0, x2: CW, y1: y.toFixed(1), y2: y.toFixed(1), class: cls }));
  }

  function renderDay() {
    const d = state.day, box = $('day');
    if (!d || !d.teams) return;
    const slots = d.slots || 96;
    const cards = d.teams.map((t) => {
      const card = el('div', null, 'day-team');
      card.dataset.team = t.id;
      card.append(el('h3', t.name || t.id));
      const n = t.waiting.length;
      const peak = Math.max(0, ...t.waiting);

      const w = chart('waiting', 'Calls waiting (mean per ' + Math.round(d.bucket_ms / 60000) + ' min), peak ' + peak.toFixed(1));
      const wmax = Math.max(1, peak), x = CW / slots;
      const pts = t.waiting.map((v, i) => ((i + 0.5) * x).toFixed(1) + ',' + (CH - 1 - (v / wmax) * (CH - 2)).toFixed(1));
      if (n > 0) {
        w.svg.append(svgEl('polygon', { points: (0.5 * x).toFixed(1) + ',' + CH + ' ' + pts.join(' ') + ' ' +
          ((n - 0.5) * x).toFixed(1) + ',' + CH, class: 'area' }));
      }
      w.svg.append(svgEl('polyline', { points: pts.join(' '), class: 'line' }));

      const within = t.within_ms;
      const amax = Math.max(2 * within, ...t.answer_ms);
      const a = chart('answer', 'Answer time (target ' + duration(within) + ')');
      bars(a.svg, t.answer_ms.map((v, i) => t.service_level[i] < 0 ? -1 : v), slots, amax, (v) => v > within ? 'below' : 'ok');
      hline(a.svg, CH - (within / amax) * (CH - 2), 'target');

      const pct = Math.round(t.target_fraction * 100);
      const s = chart('sl', 'Service level (target ' + pct + ' % within ' + duration(within) + ')');
      bars(s.svg, t.service_level, slots, 1, (v) => v + 1e-9 < t.target_fraction ? 'below' : 'ok');
      hline(s.svg, CH - t.target_fraction * (CH - 2), 'target');

      const axis = el('div', null, 'axis');
      const span = slots * d.bucket_ms, t0 = Date.parse(d.from);
      for (let i = 0; i <= 4; i++) {
        const at = new Date(t0 + i * span / 4);
        axis.append(el('span', isNaN(at) ? '' : at.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' })));
      }
      card.append(w.fig, a.fig, s.fig, axis);
      return card;
    });
    box.replaceChildren(...cards);
    $('day-empty').hidden = cards.length > 0;
    const from = new Date(d.from);
    $('day-from').textContent = isNaN(from) ? '' : 'since ' + from.toLocaleString([], { dateStyle: 'short', timeStyle: 'short' });
  }

  function renderCalls() {
    const calls = list(state.calls);
    keyed($('calls').tBodies[0], calls, (tr, c) => {
      fill(tr, [null, c.direction, c.ended ? 'ended' : c.stage, c.team || '',
        c.ringing || '', c.agent || '', clock(c.placed_at)]);
      let b = tr.cells[0].querySelector('button');
      if (!b) {
        b = el('button', '', 'link');
        b.type = 'button';
        b.addEventListener('click', () => showCall(tr.dataset.id));
        tr.cells[0].replaceChildren(b);
      }
      b.textContent = c.id;
      tr.classList.toggle('selected', c.id === selectedCall);
    });
    $('calls-empty').hidden = calls.length > 0;
    if (selectedCall && state.calls.rows.has(selectedCall)) loadCall(selectedCall);
  }

  function getJSON(url) {
    return fetch(url, { credentials: 'same-origin' }).then((r) => r.json().then((body) => ({ ok: r.ok, body: body })));
  }

  function showCall(id) {
    selectedCall = id;
    $('call-detail').hidden = false;
    $('detail-call').textContent = id;
    for (const tr of $('calls').tBodies[0].rows) tr.classList.toggle('selected', tr.dataset.id === id);
    loadCall(id);
  }

  // loadCall fetches the selected call's timeline and explanation. Calls in
  // progress change with every message, so it runs again on each update.
  // One load at a time; an update during a load makes one more.
  let loading = false;
  let again = false;
  function loadCall(id) {
    if (loading) { again = true; return; }
    loading = true;
    const base = '/dashboard/calls/' + encodeURIComponent(id);
    Promise.all([getJSON(base + '/timeline'), getJSON(base + '/explain')]).then(([tl, ex]) => {
      if (selectedCall !== id) return;
      renderTimeline(tl);
      renderExplain(ex);
    }).catch((err) => notice('Could not load the call: ' + err.message)).finally(() => {
      loading = false;
      if (again) { again = false; if (selectedCall) loadCall(selectedCall); }
    });
  }

  function renderTimeline(res) {
    const ol = $('timeline');
    const items = [];
    if (!res.ok) {
      items.push(el('li', res.body && res.body.error ? res.body.error : 'No timeline.', 'muted'));
    } else {
      const v = res.body || {};
      const events = Array.isArray(v.events) ? v.events : [];
      const texts = Array.isArray(v.text) ? v.text : events.map((e) => e.text || e.kind);
      texts.forEach((t, i) => {
        const li = el('li');
        li.appendChild(el('time', events[i] ? clock(events[i].at) : '', 'muted'));
        li.appendChild(el('span', ' ' + t));
        items.push(li);
      });
      if (items.length === 0) items.push(el('li', 'No events.', 'muted'));
    }
    ol.replaceChildren(...items);
  }

  function renderExplain(res) {
    const ol = $('explain');
    const note = $('explain-note');
    if (!res.ok) {
      note.textContent = res.body && res.body.code === 'wrong_state'
        ? 'The call is not waiting: nobody is being offered it.'
        : (res.body && res.body.error) || 'No explanation.';
      ol.replaceChildren();
      return;
    }
    const x = res.body || {};
    note.textContent = (x.team_name || x.team || '') + ' · ' + (x.stage || '');
    ol.replaceChildren(...(x.candidates || []).map((c) => {
      const li = el('li');
      li.appendChild(el('strong', c.name || c.teammate));
      li.appendChild(el('span', ' ' + (c.text || c.why)));
      li.className = 'why-' + String(c.why || '').replace(/[^a-z]+/g, '-');
      return li;
    }));
  }

  // applyTable applies a table of a message: with reset the rows are
  // replaced; otherwise upsert adds or replaces rows by id and remove drops
  // them; order, when present, is the new order of every row.
  function applyTable(t, d) {
    if (d.reset) { t.rows.clear(); t.order = []; }
    for (const r of d.upsert || []) t.rows.set(r.id, r);
    for (const id of d.remove || []) t.rows.delete(id);
    if (d.order) t.order = d.order;
    else t.order = t.order.filter((id) => t.rows.has(id));
  }

  function apply(msg) {
    if ('summary' in msg) state.summary = msg.summary;
    if ('advice' in msg) state.advice = msg.advice || [];
    if ('day' in msg) state.day = msg.day;
    for (const k of ['teams', 'teammates', 'calls']) if (msg[k]) applyTable(state[k], msg[k]);
    if (msg.teammates) {
      view.total = msg.teammates.total;
      view.matched = msg.teammates.matched;
    }
    if ('summary' in msg) renderSummary();
    if (msg.teams) renderTeams();
    if (msg.teams || 'advice' in msg) renderAdvice();
    if (msg.teammates) renderTeammates();
    if (msg.calls) renderCalls();
    if ('day' in msg) renderDay();
    $('updated').textContent = 'updated ' + clock(msg.at);
    document.body.dataset.seq = msg.index;
  }

  function setConn(text, cls) {
    const c = $('conn');
    c.textContent = text;
    c.className = 'conn ' + (cls || '');
  }

  // connect opens the stream for the current search and page, closing the
  // one open before; its first message is a snapshot of that view.
  let es = null;
  function connect() {
    if (es) es.close();
    const params = new URLSearchParams({ offset: view.offset, limit: view.limit });
    if (view.q) params.set('q', view.q);
    const url = '/dashboard/events?' + params;
    const src = new EventSource(url);
    es = src;
    for (const kind of ['snapshot', 'delta']) {
      src.addEventListener(kind, (ev) => {
        apply(JSON.parse(ev.data));
        document.body.dataset.last = kind; // the kind of the last message applied
      });
    }
    src.onopen = () => setConn('live', 'live');
    src.onerror = () => {
      if (src !== es) return;
      if (src.readyState === EventSource.CLOSED) {
        setConn('disconnected', 'down');
        // 401 (logged out), 503 (too many viewers) or 400: check which.
        fetch(url, { method: 'HEAD', credentials: 'same-origin' }).then((r) => {
          if (r.status === 401) { window.location.assign('/login'); return; }
          if (r.status === 400) { notice('The search cannot be used: change it.'); return; }
          setTimeout(() => { if (src === es) connect(); }, 5000);
        }).catch(() => setTimeout(() => { if (src === es) connect(); }, 5000));
      } else {
        setConn('reconnecting…', 'down');
      }
    };
  }

  function pager() {
    let timer = null;
    $('search').addEventListener('input', () => {
      clearTimeout(timer);
      timer = setTimeout(() => {
        const q = $('search').value.trim();
        if (q === view.q) return;
        view.q = q;
        view.offset = 0;
        notice('');
        connect();
      }, 250);
    });
    $('page-prev').addEventListener('click', () => {
      view.offset = Math.max(0, view.offset - view.limit);
      connect();
    });
    $('page-next').addEventListener('click', () => {
      if (view.offset + view.limit >= view.matched) return;
      view.offset += view.limit;
      connect();
    });
  }

  function tabs() {
    const pairs = [['tab-teams', 'panel-teams'], ['tab-teammates', 'panel-teammates']];
    for (const [tab, panel] of pairs) {
      $(tab).addEventListener('click', () => {
        for (const [t, p] of pairs) {
          $(t).setAttribute('aria-selected', String(t === tab));
          $(p).hidden = p !== panel;
        }
      });
    }
  }

  tabs();
  pager();
  connect();
})();
