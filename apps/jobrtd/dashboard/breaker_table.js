// The circuit breakers: their list comes with each /stats read, and every
// breaker event (closed → open → half_open → ...) updates its row at once.

import { el, formatAgo, formatTime } from './dom.js';

export class BreakerTable {
  constructor(tbody, empty) {
    this.tbody = tbody;
    this.empty = empty;
    this.breakers = new Map();
    setInterval(() => this.#render(), 1000);
  }

  // From /stats or /breakers: [{key, state, trips, reopen_at}].
  replace(list) {
    this.breakers = new Map(list.map((b) => [b.key, { ...b }]));
    this.#render();
  }

  // A breaker event: {key, from, to, at, trips, reopen_at}.
  apply(event) {
    this.breakers.set(event.key, {
      key: event.key, state: event.to, trips: event.trips, reopen_at: event.reopen_at,
    });
    this.#render();
  }

  #render() {
    const rows = [...this.breakers.values()].sort((a, b) => a.key.localeCompare(b.key));
    this.tbody.replaceChildren(...rows.map((b) => el('tr', { dataset: { key: b.key } },
      el('td', {}, b.key),
      el('td', {}, el('span', { class: 'breaker', dataset: { state: b.state } }, b.state)),
      el('td', { class: 'n' }, b.trips),
      el('td', { title: formatTime(b.reopen_at) },
         b.state === 'open' && b.reopen_at ? formatAgo(b.reopen_at) : ''))));
    this.empty.hidden = rows.length > 0;
  }
}
