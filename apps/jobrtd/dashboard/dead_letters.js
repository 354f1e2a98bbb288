// The dead letters: dead jobs by type and queue, each with requeue and
// purge, and both actions for every dead job matching the filter at once
// (POST /jobs/requeue, /jobs/purge, in rounds of up to 10,000 jobs, each
// continuing from the last one's next_after). Admin only; the server
// decides each job and reports the ones it refused.

import { post, remove } from './api.js';
import { $, adminButton, confirmAction, el, formatCount, gate, showNotice } from './dom.js';
import { JobList } from './job_list.js';

const ROUND = 10000;

export class DeadLetters {
  constructor() {
    this.form = $('#dead-filter');
    this.result = $('#bulk-result');
    this.list = new JobList({
      table: $('#dead-table'), pager: $('#dead-pager'), newer: $('#dead-newer'),
      extraCells: (job) => this.#cells(job),
    });
    this.form.addEventListener('submit', (e) => {
      e.preventDefault();
      this.show();
    });
    $('#bulk-requeue').addEventListener('click', () => this.#bulk('requeue'));
    $('#bulk-purge').addEventListener('click', () => this.#bulk('purge'));
  }

  filter() {
    const data = new FormData(this.form);
    return { state: 'dead', type: data.get('type').trim(), queue: data.get('queue').trim() };
  }

  show() {
    return this.list.show(this.filter(), Number(new FormData(this.form).get('limit')));
  }

  apply(event) {
    this.list.apply(event);
  }

  #cells(job) {
    const last = job.errors?.at(-1);
    const actions = job.state === 'dead'
      ? [adminButton('Requeue', () => this.#one(job.id, 'requeue'), { class: 'requeue' }),
         adminButton('Purge', () => this.#one(job.id, 'purge'), { class: 'purge danger' })]
      : [];
    return [
      el('td', { class: 'message', title: last?.message ?? '' },
         last ? `${last.code}: ${last.message}` : ''),
      el('td', { class: 'actions' }, ...actions),
    ];
  }

  async #one(id, action) {
    if (action === 'purge' &&
        !(await confirmAction(`Purge dead job ${id}? It is removed for good.`, 'Purge')))
      return;
    try {
      if (action === 'purge') await remove(`/jobs/${id}`);
      else await post(`/jobs/${id}/requeue`);
    } catch (error) {
      showNotice(error.message);
    }
  }

  async #bulk(action) {
    const filter = this.filter();
    const what = describe(filter);
    const verb = action === 'purge' ? 'Purge' : 'Requeue';
    const warning = action === 'purge' ? ' They are removed for good.' : '';
    if (!(await confirmAction(`${verb} every dead job${what}?${warning}`, verb))) return;
    const buttons = [$('#bulk-requeue'), $('#bulk-purge')];
    for (const b of buttons) b.disabled = true;
    const total = { matched: 0, changed: 0, refused: [] };
    try {
      let after = 0;
      do {
        const body = { state: 'dead', max: ROUND, after };
        if (filter.type) body.type = filter.type;
        if (filter.queue) body.queue = filter.queue;
        const r = await post(`/jobs/${action}`, body);
        total.matched += r.matched;
        total.changed += r.changed;
        total.refused.push(...r.refused);
        this.#report(action, what, total, r.next_after !== null);
        if (r.stopped) throw new Error(`stopped: ${r.stopped.code}: ${r.stopped.detail}`);
        after = r.next_after;
      } while (after !== null);
    } catch (error) {
      showNotice(error.message);
    } finally {
      for (const b of buttons) gate(b);
    }
    this.list.reload();
  }

  #report(action, what, total, more) {
    const done = action === 'purge' ? 'purged' : 'requeued';
    const refused = total.refused.length
      ? ` Refused ${formatCount(total.refused.length)}: ` +
        total.refused.slice(0, 5).map((r) => `${r.id} (${r.problem.code})`).join(', ') +
        (total.refused.length > 5 ? ', …' : '') + '.'
      : '';
    this.result.textContent =
      `${formatCount(total.changed)} of ${formatCount(total.matched)} dead jobs${what} ` +
      `${done}${more ? ', going on…' : '.'}${refused}`;
    this.result.dataset.action = action;
    this.result.dataset.changed = String(total.changed);
    this.result.dataset.done = String(!more);
    this.result.hidden = false;
  }
}

function describe(filter) {
  const parts = [];
  if (filter.type) parts.push(`type ${filter.type}`);
  if (filter.queue) parts.push(`queue ${filter.queue}`);
  return parts.length ? ` of ${parts.join(', ')}` : '';
}
