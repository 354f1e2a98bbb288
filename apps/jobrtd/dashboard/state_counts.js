// The jobs per state, kept live without counting the table: the store's
// exact counts (GET /stats) when the event stream opens, then each job
// event moves one job from its `from` state to its `to` state. The exact
// counts are read again only as count_reads.js allows: after a
// reconnection (events were missed), once a burst of events has gone
// quiet, and now and then (jobs the store removes by retention send no
// event).

import { get } from './api.js';
import { CountReads } from './count_reads.js';
import { $, el, formatAgo, formatCount } from './dom.js';

export const STATES = ['pending', 'scheduled', 'processing', 'retrying',
                       'completed', 'dead', 'cancelled'];

const QUIET_MS = 2000;

export class StateCounts {
  // onStats(stats) sees every /stats answer (the breakers come with it);
  // failed(error) every failed read.
  constructor(root, note, onStats, failed) {
    this.note = note;
    this.onStats = onStats;
    this.reads = new CountReads(() => this.#read(), failed);
    this.counts = null;
    this.syncedAt = 0;
    this.applied = 0;
    this.missed = false;
    this.quietTimer = null;
    this.framePending = false;
    this.cards = new Map();
    for (const state of STATES) {
      const n = el('span', { class: 'n' }, '…');
      const card = el('a', { class: 'count', href: `#jobs?state=${state}`,
                             dataset: { state } },
                      n, el('span', { class: 'label' }, state));
      root.append(card);
      this.cards.set(state, { card, n });
    }
    setInterval(() => this.#renderNote(), 1000);
  }

  // The event stream opened; `missed`: it had been open before, so the
  // events sent in between are lost.
  streamOpened(missed) {
    this.missed ||= missed;
    this.reads.ask();
    this.#renderNote();
  }

  async #read() {
    const stats = await get('/stats');
    this.counts = { ...stats.jobs };
    this.syncedAt = Date.now();
    this.applied = 0;
    this.missed = false;
    this.onStats(stats);
    this.#scheduleRender();
  }

  apply(event) {
    if (!this.counts) return;
    if (event.from) this.counts[event.from] -= 1;
    if (event.to) this.counts[event.to] += 1;
    this.applied += 1;
    this.#scheduleRender();
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.reads.ask(), QUIET_MS);
  }

  count(state) {
    return this.counts ? Math.max(0, this.counts[state]) : null;
  }

  #scheduleRender() {
    if (this.framePending) return;
    this.framePending = true;
    requestAnimationFrame(() => {
      this.framePending = false;
      this.#render();
    });
  }

  #render() {
    for (const [state, { card, n }] of this.cards) {
      const value = this.count(state);
      n.textContent = value === null ? '…' : formatCount(value);
      card.dataset.count = value ?? '';
    }
    const dead = this.count('dead');
    $('#dead-tab-count').textContent = dead ? formatCount(dead) : '';
    this.#renderNote();
  }

  #renderNote() {
    if (!this.syncedAt) return;
    const next = this.reads.due ? ` Next read ${formatAgo(this.reads.due)}.` : '';
    const missed = this.missed ? ' Events were missed while the stream reconnected.' : '';
    this.note.textContent =
      `Read from the store ${formatAgo(this.syncedAt)} (in ${Math.round(this.reads.cost)} ms), ` +
      `then ${formatCount(this.applied)} live events applied.${missed}${next}`;
  }
}
