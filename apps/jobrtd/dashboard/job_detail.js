// One job (GET /jobs/{id}): its record, payload, output and the history of
// its failed attempts, with cancel, requeue and purge for an admin. Read
// again when an event says the job changed.

import { get, post, remove } from './api.js';
import { $, confirmAction, el, formatDuration, formatTime, setAvailable, showNotice,
         stateBadge } from './dom.js';

const LIVE = new Set(['pending', 'scheduled', 'processing', 'retrying']);
const TERMINAL = new Set(['completed', 'dead', 'cancelled']);
const SHOWN_BYTES = 20000;

export class JobDetail {
  constructor() {
    this.id = null;
    this.job = null;
    this.reading = null;
    this.readAgain = false;
    $('#detail-cancel').addEventListener('click', () => this.#act('cancel'));
    $('#detail-requeue').addEventListener('click', () => this.#act('requeue'));
    $('#detail-purge').addEventListener('click', () => this.#act('purge'));
  }

  show(id) {
    this.id = id;
    this.job = null;
    $('#detail-title').textContent = `Job ${id}`;
    this.#read();
  }

  hide() {
    this.id = null;
  }

  apply(event) {
    if (event.id === this.id) this.#read();
  }

  refresh() {
    if (this.id !== null) this.#read();
  }

  // One read at a time; events during it ask for one more.
  async #read() {
    if (this.reading) {
      this.readAgain = true;
      return;
    }
    const id = this.id;
    this.reading = get(`/jobs/${id}`).then(
      (job) => { if (id === this.id) this.#render(job); },
      (error) => {
        if (id !== this.id) return;
        if (error.status === 404) this.#renderGone(error.message);
        else showNotice(error.message);
      });
    await this.reading;
    this.reading = null;
    if (this.readAgain && this.id !== null) {
      this.readAgain = false;
      this.#read();
    }
  }

  async #act(action) {
    const id = this.id;
    if (action === 'purge' &&
        !(await confirmAction(`Purge job ${id}? Its record and history are removed for good.`,
                              'Purge')))
      return;
    try {
      if (action === 'purge') await remove(`/jobs/${id}`);
      else await post(`/jobs/${id}/${action}`);
      showNotice(`Job ${id}: ${action === 'purge' ? 'purged' : `${action} done`}.`, 'info');
    } catch (error) {
      showNotice(error.message);
    }
    if (id === this.id) this.#read();
  }

  #render(job) {
    this.job = job;
    $('#detail-title').replaceChildren(`Job ${job.id} `, stateBadge(job.state));
    const fields = [
      ['type', job.type], ['queue', job.queue], ['priority', job.priority],
      ['attempt', `${job.attempt} of ${job.max_attempts}`],
      ['run at', formatTime(job.run_at)], ['timeout', formatDuration(job.timeout_ms)],
      ['breaker key', job.breaker_key], ['unique key', job.unique_key ?? '—'],
      ['cancel requested', job.cancel_requested ? 'yes' : 'no'],
      ['created', formatTime(job.created_at)], ['updated', formatTime(job.updated_at)],
      ['finished', formatTime(job.finished_at) || '—'],
    ];
    $('#detail-fields').replaceChildren(...fields.flatMap(([k, v]) => [el('dt', {}, k),
                                                                        el('dd', {}, v)]));
    showBlob($('#detail-payload'), job.payload);
    showBlob($('#detail-output'), job.output);
    const errors = job.errors ?? [];
    $('#detail-errors tbody').replaceChildren(...errors.map((e) => el('tr', {},
      el('td', { class: 'n' }, e.attempt), el('td', {}, formatTime(e.at)),
      el('td', {}, e.kind), el('td', {}, el('code', {}, e.code)),
      el('td', { class: 'message' }, e.message),
      el('td', {}, formatDuration(e.retry_after_ms)))));
    $('#detail-errors').hidden = !errors.length;
    $('#detail-no-errors').hidden = errors.length > 0;
    setAvailable($('#detail-cancel'), LIVE.has(job.state) && !job.cancel_requested);
    setAvailable($('#detail-requeue'), job.state === 'dead' || job.state === 'cancelled');
    setAvailable($('#detail-purge'), TERMINAL.has(job.state));
  }

  #renderGone(message) {
    $('#detail-title').replaceChildren(`Job ${this.id} `, stateBadge(null));
    $('#detail-fields').replaceChildren(el('dt', {}, 'record'), el('dd', {}, message));
    for (const blob of ['#detail-payload', '#detail-output']) showBlob($(blob), null);
    $('#detail-errors tbody').replaceChildren();
    $('#detail-errors').hidden = true;
    $('#detail-no-errors').hidden = true;
    for (const b of ['#detail-cancel', '#detail-requeue', '#detail-purge'])
      setAvailable($(b), false);
  }
}

function showBlob(pre, text) {
  if (text === null || text === undefined || text === '') {
    pre.textContent = '(none)';
    pre.classList.add('muted');
    return;
  }
  pre.classList.remove('muted');
  pre.textContent = text.length > SHOWN_BYTES
    ? `${text.slice(0, SHOWN_BYTES)}\n… ${text.length - SHOWN_BYTES} more characters`
    : text;
}
