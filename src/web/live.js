// The live event stream (GET /events/stream) read with fetch, so the key travels in the
// X-API-Key header and never in a URL. The Server-Sent Events text is parsed here (the
// WHATWG rules: lines end in CR, LF or CRLF; a blank line ends a message; ":" starts a
// comment). When the stream ends or fails, it reconnects with backoff and resumes after the
// last id it saw (Last-Event-ID), so nothing is missed across a server restart.

const BACKOFF_MS = [500, 1000, 2000, 4000, 8000];
/** Heartbeats come every 15 s; this much silence means the connection is dead. */
const SILENCE_MS = 45_000;

/** Feeds SSE text in chunks; calls onMessage({ id, event, data }) per complete message. */
export function sseParser(onMessage) {
  let buffer = '';
  let data = [];
  let event = '';
  let lastId = null;
  function line(l) {
    if (l === '') {
      if (data.length) onMessage({ id: lastId, event: event || 'message', data: data.join('\n') });
      data = []; event = '';
      return;
    }
    if (l.startsWith(':')) return;
    const colon = l.indexOf(':');
    const name = colon < 0 ? l : l.slice(0, colon);
    const value = colon < 0 ? '' : l.slice(colon + 1).replace(/^ /, '');
    if (name === 'data') data.push(value);
    else if (name === 'event') event = value;
    else if (name === 'id' && !value.includes('\0')) lastId = value;
  }
  return (chunk) => {
    buffer += chunk;
    for (;;) {
      const m = /\r\n|\r|\n/.exec(buffer);
      // A CR at the very end may be the first half of CRLF: wait for the next chunk.
      if (!m || (m[0] === '\r' && m.index === buffer.length - 1)) return;
      line(buffer.slice(0, m.index));
      buffer = buffer.slice(m.index + m[0].length);
    }
  };
}

/**
 * Keeps one stream open for `key`. onEvent(event JSON) per event; onState('connecting' |
 * 'live' | 'reconnecting'); onUnauthorized() when the key is refused (the stream stops).
 */
export function startLive({ key, onEvent, onState = () => {}, onUnauthorized = () => {} }) {
  let lastId = null;
  let failures = 0;
  let stopped = false;
  let ctrl = null;
  let timer = null;

  async function connect() {
    timer = null;
    ctrl = new AbortController();
    let silence = null;
    const alive = () => { clearTimeout(silence); silence = setTimeout(() => ctrl.abort(), SILENCE_MS); };
    const opened = Date.now();
    try {
      const headers = { 'X-API-Key': key, Accept: 'text/event-stream' };
      if (lastId) headers['Last-Event-ID'] = lastId;
      const res = await fetch('/events/stream', { headers, signal: ctrl.signal, cache: 'no-store' });
      if (res.status === 401) { stopped = true; onUnauthorized(); return; }
      if (!res.ok || !res.body) throw new Error(`HTTP ${res.status}`);
      onState('live');
      alive();
      const feed = sseParser((m) => {
        if (m.id) lastId = m.id;
        let e;
        try { e = JSON.parse(m.data); } catch { return; }
        onEvent(e);
      });
      const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        alive();
        feed(value);
      }
    } catch {
      // A refused connection, a reset or our own abort: all end in a reconnect below.
    } finally {
      clearTimeout(silence);
    }
    if (stopped) return;
    // A stream that stayed up a while starts the backoff over.
    failures = Date.now() - opened > 10_000 ? 0 : failures + 1;
    const base = BACKOFF_MS[Math.min(failures, BACKOFF_MS.length - 1)];
    onState('reconnecting');
    timer = setTimeout(connect, base * (0.75 + Math.random() * 0.5));
  }

  // Back online: try now rather than at the end of the backoff.
  const online = () => { if (timer) { clearTimeout(timer); connect(); } };
  window.addEventListener('online', online);
  onState('connecting');
  connect();
  return {
    lastId: () => lastId,
    stop() {
      stopped = true;
      clearTimeout(timer);
      ctrl?.abort();
      window.removeEventListener('online', online);
    },
  };
}
