// One page of jobs matching a filter (GET /jobs: state, type, queue),
// paged by cursor: `next_after` leads to the next page and the cursors of
// the pages before are kept for "Previous", so a page costs the same at
// any depth and nothing counts the matches. The rows shown follow the job
// events live; jobs that start matching the filter are only counted (a
// "reload" hint), so events never cause a re-query.

import { get, query } from './api.js';
import { $, el, formatCount, learnNames, showNotice, stateBadge, timeCell } from './dom.js';

export class JobList {
  // extraCells(job) -> [td...] after the standard columns.
  constructor({ table, pager, newer, extraCells = () => [] }) {
    this.tbody = $('tbody', table);
    this.pager = pager;
    this.newer = newer;
    this.extraCells = extraCells;
    this.filter = {};
    this.limit = 50;
    this.after = 0;
    this.next = null;
    this.cursors = [];
    this.rows = new Map();
    this.newlyMatching = 0;
    pager.addEventListener('click', (e) => {
      const page = e.target.closest('button')?.dataset.page;
      if (page === 'first') this.#load(0, []);
      else if (page === 'prev' && this.cursors.length)
        this.#load(this.cursors.at(-1), this.cursors.slice(0, -1));
      else if (page === 'next' && this.next !== null)
        this.#load(this.next, [...this.cursors, this.after]);
    });
    newer.addEventListener('click', (e) => {
      if (e.target.closest('button')) this.reload();
    });
  }

  show(filter, limit) {
    this.filter = filter;
    this.limit = limit;
    return this.#load(0, []);
  }

  reload() {
    return this.#load(this.after, this.cursors);
  }

  async #load(after, cursors) {
    let page;
    try {
      page = await get(`/jobs${query({ ...this.filter, after: after || '', limit: this.limit })}`);
    } catch (error) {
      showNotice(error.message);
      return;
    }
    this.after = after;
    this.cursors = cursors;
    this.next = page.next_after;
    this.newlyMatching = 0;
    this.newer.hidden = true;
    this.rows = new Map();
    this.tbody.replaceChildren(...page.jobs.map((job) => this.#row(job)));
    if (!page.jobs.length)
      this.tbody.append(el('tr', { class: 'empty' },
                           el('td', { colspan: 10 }, 'No job matches this filter.')));
    this.#renderPager(page.jobs);
  }

  #row(job) {
    learnNames(job.type, job.queue);
    const tr = el('tr', { dataset: { id: job.id, state: job.state ?? 'purged' } },
      el('td', { class: 'n' }, el('a', { href: `#job/${job.id}` }, job.id)),
      el('td', {}, job.type),
      el('td', {}, job.queue),
      el('td', {}, stateBadge(job.state)),
      el('td', { class: 'n' }, job.attempt),
      timeCell(job.updated_at),
      ...this.extraCells(job));
    this.rows.set(job.id, { job, tr });
    return tr;
  }

  #renderPager(jobs) {
    const [first, last] = [jobs[0]?.id, jobs.at(-1)?.id];
    $('.page-info', this.pager).textContent = jobs.length
      ? `page ${this.cursors.length + 1}: ${formatCount(jobs.length)} jobs, ids ${first}–${last}`
      : `page ${this.cursors.length + 1}: empty`;
    $('[data-page=first]', this.pager).disabled = !this.cursors.length;
    $('[data-page=prev]', this.pager).disabled = !this.cursors.length;
    $('[data-page=next]', this.pager).disabled = this.next === null;
  }

  matches(event) {
    const f = this.filter;
    return (!f.type || f.type === event.type) && (!f.queue || f.queue === event.queue);
  }

  // A job event: the row of a job shown changes in place; a job that now
  // matches the filter is counted for the reload hint.
  apply(event) {
    const shown = this.rows.get(event.id);
    if (shown) {
      const job = { ...shown.job, state: event.to, attempt: event.attempt, updated_at: event.at };
      if (event.error) job.errors = [...(job.errors ?? []), event.error];
      const tr = this.#row(job);
      tr.classList.add('changed');
      if (event.to === null) tr.classList.add('gone');
      else if (this.filter.state && event.to !== this.filter.state) tr.classList.add('left');
      shown.tr.replaceWith(tr);
      return;
    }
    const entering = this.filter.state ? event.to === this.filter.state : event.from === null;
    if (!entering || !this.matches(event)) return;
    this.newlyMatching += 1;
    this.newer.replaceChildren(
      `${formatCount(this.newlyMatching)} more job${this.newlyMatching === 1 ? '' : 's'} ` +
      'matched the filter since this page was read. ',
      el('button', { type: 'button' }, 'Reload page'));
    this.newer.hidden = false;
  }
}
