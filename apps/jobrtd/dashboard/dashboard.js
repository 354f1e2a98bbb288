// The dashboard's entry: asks who the token is (GET /whoami), signs in when
// the server needs a token, then wires the live event stream to the views
// and routes between them by the URL's hash (#jobs, #dead, #job/ID).

import { get, setToken, token, whenUnauthorized } from './api.js';
import { BreakerTable } from './breaker_table.js';
import { DeadLetters } from './dead_letters.js';
import { $, applyRole, formatAgo, hideNotice, showNotice } from './dom.js';
import { EventStream } from './event_stream.js';
import { JobDetail } from './job_detail.js';
import { JobList } from './job_list.js';
import { StateCounts } from './state_counts.js';
import { ThroughputChart } from './throughput_chart.js';

let views = null;

function makeViews() {
  const breakers = new BreakerTable($('#breakers tbody'), $('#breakers-empty'));
  const counts = new StateCounts($('#counts'), $('#counts-note'),
                                 (stats) => breakers.replace(stats.breakers),
                                 (error) => showNotice(error.message));
  const chart = new ThroughputChart($('#throughput'), $('#throughput-note'));
  const jobs = new JobList({ table: $('#jobs-table'), pager: $('#jobs-pager'),
                             newer: $('#jobs-newer') });
  const dead = new DeadLetters();
  const detail = new JobDetail();
  const stream = new EventStream({
    job: (event) => {
      counts.apply(event);
      chart.apply(event);
      jobs.apply(event);
      dead.apply(event);
      detail.apply(event);
    },
    breaker: (event) => breakers.apply(event),
    opened: () => resync(),
    state: showLiveState,
  });
  $('#jobs-filter').addEventListener('submit', (e) => {
    e.preventDefault();
    const state = new FormData(e.target).get('state');
    history.replaceState(null, '', state ? `#jobs?state=${state}` : '#jobs');
    showJobs();
  });
  return { counts, chart, jobs, dead, detail, stream, loaded: new Set(), opened: 0 };
}

// The stream (re)opened. Whatever happened while it was away sent events
// this page never saw: the counts are read again, and on a reconnection
// the pages shown too (one page each, not the table).
function resync() {
  const reconnected = views.opened++ > 0;
  views.counts.streamOpened(reconnected);
  if (!reconnected) return;
  if (views.loaded.has('jobs')) views.jobs.reload();
  if (views.loaded.has('dead')) views.dead.list.reload();
  views.detail.refresh();
}

function showLiveState(state, detail) {
  const badge = $('#live');
  badge.dataset.state = state;
  badge.textContent = { live: 'live', reconnecting: 'reconnecting…',
                        unauthorized: 'signed out' }[state] ?? state;
  badge.title = detail ?? '';
  if (state === 'unauthorized') showSignIn('The server no longer accepts this token.');
}

function jobsFilter() {
  const data = new FormData($('#jobs-filter'));
  return {
    filter: { state: data.get('state'), type: data.get('type').trim(),
              queue: data.get('queue').trim() },
    limit: Number(data.get('limit')),
  };
}

function showJobs() {
  const { filter, limit } = jobsFilter();
  views.loaded.add('jobs');
  return views.jobs.show(filter, limit);
}

// #jobs[?state=S], #dead, #job/ID
function route() {
  const hash = location.hash || '#jobs';
  const [path, params] = hash.slice(1).split('?');
  const [view, id] = path.split('/');
  const shown = view === 'dead' || (view === 'job' && /^\d+$/.test(id ?? '')) ? view : 'jobs';
  for (const section of document.querySelectorAll('.view'))
    section.hidden = section.id !== `view-${shown}`;
  for (const tab of document.querySelectorAll('.tabs a'))
    tab.classList.toggle('current', tab.dataset.view === shown);
  $('#detail-tab').hidden = shown !== 'job';
  if (shown === 'job') {
    $('#detail-tab').textContent = `Job ${id}`;
    $('#detail-tab').href = location.hash;
    views.detail.show(Number(id));
    return;
  }
  views.detail.hide();
  if (shown === 'dead') {
    if (!views.loaded.has('dead')) {
      views.loaded.add('dead');
      views.dead.show();
    }
    return;
  }
  const state = new URLSearchParams(params ?? '').get('state');
  if (state !== null) $('#jobs-filter [name=state]').value = state;
  if (state !== null || !views.loaded.has('jobs')) showJobs();
}

function showSignIn(message) {
  views?.stream.stop();
  $('#app').hidden = true;
  $('#sign-out').hidden = true;
  $('#role').hidden = true;
  $('#sign-in').hidden = false;
  const error = $('#sign-in-error');
  error.textContent = message ?? '';
  error.hidden = !message;
  $('#token').focus();
}

function start(who) {
  $('#sign-in').hidden = true;
  $('#app').hidden = false;
  views ??= makeViews();
  applyRole(who.role);
  const role = $('#role');
  role.hidden = false;
  role.dataset.role = who.role;
  role.textContent = !who.tokens_required ? 'open: no tokens configured'
                     : who.role === 'admin' ? 'admin' : `read-only (${who.role} token)`;
  $('#sign-out').hidden = !who.tokens_required;
  views.stream.start();
  route();
}

async function signIn() {
  let who;
  try {
    who = await get('/whoami');
  } catch (error) {
    showNotice(`jobrtd does not answer: ${error.message}`);
    return;
  }
  if (who.role) start(who);
  else showSignIn(token() ? 'This token is not accepted.' : '');
}

$('#sign-in-form').addEventListener('submit', (e) => {
  e.preventDefault();
  setToken($('#token').value.trim());
  $('#token').value = '';
  signIn();
});
$('#sign-out').addEventListener('click', () => {
  setToken('');
  showSignIn('');
});
$('#open-job').addEventListener('submit', (e) => {
  e.preventDefault();
  location.hash = `#job/${$('#open-job-id').value.trim()}`;
});
$('#notice-close').addEventListener('click', hideNotice);
whenUnauthorized(() => showSignIn('The server refused this token.'));
window.addEventListener('hashchange', () => views && !$('#app').hidden && route());
// Relative times ("12 s ago") move on without asking the server.
setInterval(() => {
  for (const cell of document.querySelectorAll('td.time[data-at]'))
    if (cell.dataset.at) cell.textContent = formatAgo(Number(cell.dataset.at));
}, 1000);

signIn();
