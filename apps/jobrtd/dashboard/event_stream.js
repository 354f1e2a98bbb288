// GET /events read with fetch rather than EventSource: EventSource cannot
// send an Authorization header, and a token in the URL would end up in
// logs and history. The body is parsed as server-sent events
// (text/event-stream); the stream reconnects by itself with a growing
// delay, and tells its owner each time it is (re)opened, since events
// sent while it was away are lost and what was built from them is stale.

import { authHeaders, Problem } from './api.js';

const FIRST_RETRY_MS = 1000;
const MAX_RETRY_MS = 15000;

export class EventStream {
  // handlers: { job(event), breaker(event), opened(), state(name, detail) }
  constructor(handlers) {
    this.handlers = handlers;
    this.abort = null;
  }

  start() {
    this.stop();
    this.abort = new AbortController();
    this.#run(this.abort.signal);
  }

  stop() {
    this.abort?.abort();
    this.abort = null;
  }

  async #run(signal) {
    let retry = FIRST_RETRY_MS;
    while (!signal.aborted) {
      try {
        const res = await fetch('/events', {
          headers: { ...authHeaders(), Accept: 'text/event-stream' },
          cache: 'no-store',
          signal,
        });
        if (!res.ok) throw new Problem(res.status, await res.json().catch(() => ({})));
        this.handlers.state('live');
        this.handlers.opened();
        retry = FIRST_RETRY_MS;
        const ending = await this.#read(res.body, signal);
        this.handlers.state('reconnecting', ending);
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof Problem && error.status === 401) {
          this.handlers.state('unauthorized', error.message);
          return;
        }
        this.handlers.state('reconnecting', error.message);
      }
      await pause(retry, signal);
      retry = Math.min(retry * 2, MAX_RETRY_MS);
    }
  }

  // Dispatches each event until the body ends; why it ended.
  async #read(body, signal) {
    const reader = body.pipeThrough(new TextDecoderStream()).getReader();
    signal.addEventListener('abort', () => reader.cancel().catch(() => {}), { once: true });
    let buffer = '';
    let event = 'message';
    let data = [];
    for (;;) {
      const { value, done } = await reader.read();
      if (done) return 'the server ended the stream';
      buffer += value;
      let end;
      while ((end = buffer.indexOf('\n')) >= 0) {
        let line = buffer.slice(0, end);
        buffer = buffer.slice(end + 1);
        if (line.endsWith('\r')) line = line.slice(0, -1);
        if (line === '') {
          if (data.length) {
            const ended = this.#dispatch(event, data.join('\n'));
            if (ended) return ended;
          }
          event = 'message';
          data = [];
        } else if (!line.startsWith(':')) {
          const colon = line.indexOf(':');
          const field = colon < 0 ? line : line.slice(0, colon);
          const text = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
          if (field === 'event') event = text;
          else if (field === 'data') data.push(text);
        }
      }
    }
  }

  #dispatch(event, data) {
    const payload = JSON.parse(data);
    if (event === 'job') this.handlers.job(payload);
    else if (event === 'breaker') this.handlers.breaker(payload);
    else if (event === 'dropped') return `dropped: ${payload.reason}`;
    return null;
  }
}

function pause(ms, signal) {
  return new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => { clearTimeout(timer); resolve(); }, { once: true });
  });
}
