// callscribe dashboard: plain DOM, no framework. Call data only ever goes into textContent.
'use strict';

(function () {
  const TOKEN_KEY = 'callscribe.token';
  const $ = (sel) => document.querySelector(sel);
  const live = new Map(); // call id -> {card, transcript, partials: Map(speaker -> element), meta}
  let feed = null;
  let reconnectTimer = null;
  let selected = null;

  // A token given as ?token= is kept for this tab and taken out of the address bar (and history).
  const params = new URLSearchParams(location.search);
  if (params.has('token')) {
    sessionStorage.setItem(TOKEN_KEY, params.get('token'));
    params.delete('token');
    const rest = params.toString();
    history.replaceState(null, '', location.pathname + (rest ? '?' + rest : '') + location.hash);
  }
  const token = () => sessionStorage.getItem(TOKEN_KEY);

  function el(tag, cls, text) {
    const e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text !== undefined && text !== null) e.textContent = String(text);
    return e;
  }

  function clock(seconds) {
    if (typeof seconds !== 'number' || !isFinite(seconds)) return '--:--';
    const s = Math.max(0, Math.floor(seconds));
    const m = Math.floor(s / 60);
    return String(m).padStart(2, '0') + ':' + String(s % 60).padStart(2, '0');
  }

  function when(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    return isNaN(d) ? iso : d.toLocaleString();
  }

  class Unauthorized extends Error {}

  async function api(path, options) {
    const headers = Object.assign({}, (options && options.headers) || {});
    if (token()) headers['Authorization'] = 'Bearer ' + token();
    const res = await fetch(path, Object.assign({}, options, { headers }));
    if (res.status === 401) {
      askToken();
      throw new Unauthorized('access token required');
    }
    return res;
  }

  function askToken() {
    $('#token-form').hidden = false;
    setStatus(false, 'token required');
  }

  $('#token-form').addEventListener('submit', (ev) => {
    ev.preventDefault();
    sessionStorage.setItem(TOKEN_KEY, $('#token-input').value);
    $('#token-form').hidden = true;
    start();
  });

  function setStatus(on, text) {
    const s = $('#status');
    s.className = 'status ' + (on ? 'on' : 'off');
    s.textContent = text;
  }

  // ---- live calls, driven by the feed ----

  function liveCall(id) {
    let c = live.get(id);
    if (c) return c;
    const card = el('article', 'card');
    card.dataset.call = id;
    const head = el('div', 'card-head');
    head.append(el('h3', null, id));
    const hang = el('button', 'hangup', 'Hang up');
    hang.type = 'button';
    hang.addEventListener('click', () => hangup(id, hang));
    head.append(hang);
    const meta = el('div', 'meta');
    const transcript = el('div', 'transcript');
    card.append(head, meta, transcript);
    $('#live').append(card);
    c = { card, meta, transcript, partials: new Map(), info: {} };
    live.set(id, c);
    updateLiveCount();
    return c;
  }

  function updateLiveCount() {
    $('#live-count').textContent = String(live.size);
    $('#live-empty').hidden = live.size > 0;
  }

  function lineFor(e, cls) {
    const line = el('div', 'line ' + cls);
    if (typeof e.start === 'number') line.dataset.start = String(e.start);
    // Real spaces between the parts, so copied text reads "01:02 caller: hello".
    line.append(el('span', 'time', clock(e.start)), ' ');
    if (e.speaker) line.append(el('span', 'speaker', e.speaker + ':'), ' ');
    line.append(el('span', 'text', e.text));
    return line;
  }

  function stickToBottom(box, fn) {
    const atBottom = box.scrollHeight - box.scrollTop - box.clientHeight < 40;
    fn();
    if (atBottom) box.scrollTop = box.scrollHeight;
  }

  // ARI calls name their parties: "caller 1000 Alice -> callee 2000 (uniqueid ...)"
  function partiesLine(parties) {
    if (!Array.isArray(parties) || parties.length === 0) return '';
    return parties.map(p => [p.role, p.caller_number, p.caller_name, p.dialed_exten ? 'dialed ' + p.dialed_exten : '',
      p.uniqueid ? '(' + p.uniqueid + ')' : ''].filter(Boolean).join(' ')).join(' \u2194 ');
  }

  function onEvent(e) {
    if (!e || !e.call) return;
    switch (e.event) {
      case 'call_start': {
        const c = liveCall(e.call);
        c.info.started = e.at;
        c.info.source = e.source;
        c.info.parties = partiesLine(e.parties);
        renderMeta(c);
        break;
      }
      case 'partial': {
        const c = liveCall(e.call);
        const key = e.speaker || '';
        let p = c.partials.get(key);
        stickToBottom(c.transcript, () => {
          const line = lineFor({ start: c.info.audio, speaker: e.speaker, text: e.text }, 'partial');
          line.querySelector('.time').textContent = '…';
          if (p) p.replaceWith(line); else c.transcript.append(line);
          c.partials.set(key, line);
        });
        break;
      }
      case 'final': {
        const c = liveCall(e.call);
        const key = e.speaker || '';
        stickToBottom(c.transcript, () => {
          const p = c.partials.get(key);
          if (p) { p.remove(); c.partials.delete(key); }
          const line = lineFor(e, 'final');
          // Legs report independently: keep finals in spoken order, partials after them.
          const later = Array.from(c.transcript.querySelectorAll('.final'))
            .find((f) => typeof e.start === 'number' && Number(f.dataset.start) > e.start);
          const firstPartial = c.transcript.querySelector('.partial');
          c.transcript.insertBefore(line, later || firstPartial || null);
        });
        if (typeof e.end === 'number') c.info.audio = Math.max(c.info.audio || 0, e.end);
        c.info.finals = (c.info.finals || 0) + 1;
        renderMeta(c);
        break;
      }
      case 'dtmf': {
        const c = liveCall(e.call);
        stickToBottom(c.transcript, () => {
          const line = lineFor({ start: e.start, speaker: e.speaker, text: 'pressed ' + e.digit }, 'dtmf');
          line.dataset.digit = e.digit;
          c.transcript.insertBefore(line, c.transcript.querySelector('.partial'));
        });
        break;
      }
      case 'error': {
        const c = live.get(e.call);
        if (c) {
          c.transcript.append(el('div', 'error-line', 'error: ' + e.message));
          c.info.errors = (c.info.errors || 0) + 1;
          renderMeta(c);
        }
        break;
      }
      case 'call_end': {
        const c = live.get(e.call);
        if (c) { c.card.remove(); live.delete(e.call); updateLiveCount(); }
        // The store is written off the call's path, a moment after the event: list again once it has caught up.
        loadFinished();
        setTimeout(() => loadFinished(false), 1000);
        if (selected === e.call) openCall(e.call);
        break;
      }
    }
  }

  // A call this far behind its audio is worth a look: shown in red.
  const LAG_WARN_SECONDS = 5;

  function renderMeta(c) {
    const i = c.info;
    const stats = el('div', 'stats');
    const sep = () => document.createTextNode(' · ');
    stats.append('duration ' + clock(i.audio));
    if (typeof i.lag === 'number') {
      stats.append(sep(), el('span', i.lag >= LAG_WARN_SECONDS ? 'bad' : null, 'lag ' + i.lag.toFixed(1) + ' s'));
    }
    stats.append(sep(), i.errors ? el('span', 'bad', i.errors + (i.errors === 1 ? ' error' : ' errors'))
      : document.createTextNode('no errors'));
    const origin = el('div', 'origin', [i.parties, i.source, i.recognizer].filter(Boolean).join(' · '));
    c.meta.replaceChildren(stats, origin);
  }

  async function hangup(id, button) {
    button.disabled = true;
    try {
      const res = await api('/calls/' + encodeURIComponent(id) + '/hangup', { method: 'POST' });
      const body = await res.json();
      button.textContent = res.status === 202 ? 'Hanging up…' : (body.error || 'Failed');
    } catch (err) {
      button.disabled = false;
    }
  }

  async function refreshLiveMeta() {
    if (live.size === 0) return;
    try {
      const res = await api('/calls?live=true');
      if (!res.ok) return;
      const body = await res.json();
      for (const row of body.calls) {
        const c = live.get(row.id);
        if (!c) continue;
        c.info.audio = Math.max(c.info.audio || 0, row.audio_seconds || 0);
        c.info.lag = row.lag_seconds;
        c.info.source = row.source;
        c.info.recognizer = row.recognizer;
        c.info.errors = row.errors;
        renderMeta(c);
      }
    } catch (err) { /* shown by the status badge */ }
  }

  function connect() {
    clearTimeout(reconnectTimer);
    if (feed) feed.close();
    const url = '/feed' + (token() ? '?token=' + encodeURIComponent(token()) : '');
    feed = new EventSource(url);
    feed.addEventListener('snapshot', () => {
      // A (re)connection replays the live calls: start the live view afresh.
      for (const c of live.values()) c.card.remove();
      live.clear();
      updateLiveCount();
      setStatus(true, 'live');
      loadFinished();
    });
    feed.onmessage = (m) => {
      try { onEvent(JSON.parse(m.data)); } catch (err) { console.warn('bad feed event', err); }
    };
    feed.onerror = () => {
      setStatus(false, 'reconnecting…');
      if (feed.readyState === EventSource.CLOSED) {
        // The browser gave up (e.g. an error status): probe the API (it shows the token form on 401), retry later.
        api('/calls?live=true').catch(() => {});
        reconnectTimer = setTimeout(connect, 3000);
      }
    };
  }

  // ---- finished calls ----

  let searchTimer = null;
  let nextCursor = null;
  for (const id of ['#search', '#filter-from', '#filter-to', '#filter-number', '#filter-source']) {
    $(id).addEventListener('input', () => {
      clearTimeout(searchTimer);
      searchTimer = setTimeout(() => loadFinished(false), 250);
    });
  }
  $('#finished-more').addEventListener('click', () => loadFinished(true));

  function finishedQuery() {
    const p = new URLSearchParams({ live: 'false' });
    const q = $('#search').value.trim();
    if (q) p.set('q', q);
    if ($('#filter-from').value) p.set('from', $('#filter-from').value);
    if ($('#filter-to').value) p.set('to', $('#filter-to').value);
    const number = $('#filter-number').value.trim();
    if (number) p.set('number', number);
    if ($('#filter-source').value) p.set('source', $('#filter-source').value);
    return p;
  }

  // The matching line of a search, its matching words marked: built from text nodes, never from HTML.
  function matchLine(match) {
    const td = el('td');
    td.colSpan = 6;
    if (match.speaker) td.append(el('span', 'speaker', match.speaker + ': '));
    const text = match.text;
    let at = 0;
    for (const [from, to] of match.highlights || []) {
      if (from < at || to > text.length) continue;
      td.append(document.createTextNode(text.slice(at, from)), el('mark', null, text.slice(from, to)));
      at = to;
    }
    td.append(document.createTextNode(text.slice(at)));
    const tr = el('tr', 'match');
    tr.append(td);
    return tr;
  }

  async function loadFinished(more) {
    const params = finishedQuery();
    const key = params.toString();
    if (more && nextCursor) params.set('cursor', nextCursor);
    try {
      const res = await api('/calls?' + params.toString());
      if (!res.ok) return;
      const body = await res.json();
      if (key !== finishedQuery().toString()) return; // a newer search is under way
      const tbody = $('#finished tbody');
      if (!more) tbody.replaceChildren();
      for (const row of body.calls) {
        const tr = el('tr');
        tr.dataset.call = row.id;
        if (row.id === selected) tr.classList.add('selected');
        tr.append(el('td', 'call-id', row.id), el('td', null, when(row.started)), el('td', null, clock(row.audio_seconds)),
          el('td', null, row.end_reason || ''), el('td', null, row.finals), el('td', row.errors ? 'bad' : null, row.errors));
        const meta = Object.entries(row.metadata || {}).map(([k, v]) => k + ' ' + v);
        tr.title = [row.source, row.recognizer].concat(meta).filter(Boolean).join(' · ');
        tr.addEventListener('click', () => openCall(row.id));
        tbody.append(tr);
        if (row.match) {
          const m = matchLine(row.match);
          m.dataset.call = row.id;
          m.addEventListener('click', () => openCall(row.id));
          tbody.append(m);
        }
      }
      nextCursor = body.next_cursor || null;
      $('#finished-more').hidden = !nextCursor;
      const rows = tbody.querySelectorAll('tr:not(.match)').length;
      // An empty table says nothing: show a sentence instead.
      $('#finished').hidden = rows === 0;
      $('#finished-empty').textContent = key !== 'live=false' ? 'No finished call matches.' : 'No finished call yet.';
      $('#finished-empty').hidden = rows > 0;
    } catch (err) { /* token form or status badge tells */ }
  }

  async function openCall(id) {
    selected = id;
    for (const tr of document.querySelectorAll('#finished tbody tr:not(.match)')) {
      tr.classList.toggle('selected', tr.dataset.call === id);
    }
    try {
      const res = await api('/calls/' + encodeURIComponent(id));
      const t = await res.json();
      if (!res.ok) { $('#viewer-meta').textContent = t.error || 'cannot load'; return; }
      $('#viewer').hidden = false;
      $('#viewer').dataset.call = id;
      $('#viewer-title').textContent = id;
      const stats = ['started ' + when(t.started), 'duration ' + clock(t.audio_seconds)];
      if (t.end_reason) stats.push('ended: ' + t.end_reason);
      const errors = (t.errors || []).length;
      const statsLine = el('div', 'stats', stats.join(' · ') + ' · ');
      statsLine.append(errors ? el('span', 'bad', errors + (errors === 1 ? ' error: ' : ' errors: ') + t.errors.join('; '))
        : document.createTextNode('no errors'));
      $('#viewer-meta').replaceChildren(statsLine, el('div', 'origin', [t.source, t.recognizer].filter(Boolean).join(' · ')));
      const box = $('#viewer-transcript');
      box.replaceChildren();
      for (const f of t.finals) box.append(lineFor(f, 'final'));
      if (!t.finals.length) box.append(el('p', 'empty', 'Nothing was recognised in this call.'));
    } catch (err) { /* token form */ }
  }

  for (const b of document.querySelectorAll('.downloads button[data-format]')) {
    b.addEventListener('click', () => download(selected, b.dataset.format));
  }
  $('#viewer-close').addEventListener('click', () => {
    $('#viewer').hidden = true;
    selected = null;
    for (const tr of document.querySelectorAll('#finished tbody tr.selected')) tr.classList.remove('selected');
  });

  // Fetched with the token in a header, handed to the browser as a file: the token never lands in a URL.
  async function download(id, format) {
    if (!id) return;
    const res = await api('/calls/' + encodeURIComponent(id) + '?format=' + format + '&download=1');
    if (!res.ok) return;
    const blob = await res.blob();
    const a = el('a');
    a.href = URL.createObjectURL(blob);
    a.download = id + '.' + format;
    document.body.append(a);
    a.click();
    a.remove();
    setTimeout(() => URL.revokeObjectURL(a.href), 10000);
  }

  function start() {
    connect();
    loadFinished();
  }

  updateLiveCount();
  setInterval(refreshLiveMeta, 2000);
  start();
})();
