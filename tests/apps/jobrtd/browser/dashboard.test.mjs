// jobrtd's dashboard in headless chromium against a real jobrtd: the counts
// it shows are /stats's and follow the event stream, its job list filters
// and pages, a job's detail shows the error history, dead letters are
// requeued and purged from the page (one, or all matching a filter), the
// server's refusals are shown, a read-only token gets no admin control, and
// no page logs an error. Run by CTest (run_browser_test.sh), which names
// jobrtd (JOBRTD_PATH) and chromium (JOBRT_CHROMIUM); with
// JOBRTD_DASHBOARD_SCREENSHOT set, a screenshot is written there.

import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';

import { DashboardPage, launchChromium, WAIT_MS } from './dashboard_page.mjs';
import { eventually, RunningDaemon } from './running_daemon.mjs';
import { ADMIN_TOKEN, CONFIG, READ_TOKEN } from './test_config.mjs';

const JOBRTD = process.env.JOBRTD_PATH;
const CHROMIUM = process.env.JOBRT_CHROMIUM || '/usr/bin/chromium';
const SCREENSHOT = process.env.JOBRTD_DASHBOARD_SCREENSHOT;
const HOUR_MS = 3600 * 1000;

// The most /stats reads the page may make in any span of `ms`
// (count_reads.js): never two within 10 s, whatever the events.
const statsReadsWithin = (ms) => 1 + Math.floor(ms / 10000);

const specs = (n, spec) => Array.from({ length: n }, (_, i) => ({ payload: `#${i}`, ...spec }));

describe('jobrtd dashboard in headless chromium', () => {
  let daemon;
  let browser;
  let admin;
  let signedIn;
  const problems = [];
  const ids = {};

  // Waits until every job set up has ended where its type leads it, so the
  // page opens on a table that no longer moves.
  async function settled() {
    return eventually('the jobs set up settled', async () => {
      const stats = await daemon.get('/stats');
      const { jobs } = stats;
      const remoteOpen = stats.breakers.some((b) => b.key === 'remote' && b.state === 'open');
      return remoteOpen && jobs.processing === 0 && jobs.retrying === 0 &&
             jobs.completed === 25 && jobs.dead === 8 && jobs.cancelled === 1 && stats;
    });
  }

  before(async () => {
    assert.ok(JOBRTD, 'JOBRTD_PATH names the jobrtd to test');
    daemon = await RunningDaemon.start(JOBRTD, CONFIG);
    daemon.token = ADMIN_TOKEN;
    ids.pages = await daemon.enqueue(specs(25, { type: 'echo', queue: 'pages' }));
    ids.flaky = await daemon.enqueue(specs(4, { type: 'flaky', queue: 'orders' }));
    ids.reject = await daemon.enqueue(specs(4, { type: 'reject', queue: 'imports' }));
    ids.remote = await daemon.enqueue(specs(3, { type: 'remote', queue: 'webhooks' }));
    const later = Date.now() + HOUR_MS;
    [ids.later, ids.cancelled] = await daemon.enqueue(specs(2, { type: 'echo', run_at: later }));
    await daemon.post(`/jobs/${ids.cancelled}/cancel`);
    await settled();
    browser = await launchChromium(CHROMIUM);
    admin = await DashboardPage.open(await browser.createBrowserContext(), daemon.url, 'admin');
  });

  after(async () => {
    await browser?.close();
    const exit = await daemon?.stop();
    assert.deepEqual(exit, { code: 0, signal: null }, daemon?.output);
  });

  it('signs in with an admin token and shows the counts of /stats', async () => {
    await admin.signIn(ADMIN_TOKEN);
    signedIn = Date.now();
    await admin.page.waitForSelector('#role[data-role=admin]', { timeout: WAIT_MS });
    const stats = await daemon.get('/stats');
    await admin.waitForCounts(stats.jobs);
    assert.deepEqual(await admin.counts(), stats.jobs);
    const { breakers } = await daemon.get('/breakers');
    await admin.page.waitForSelector('#breakers tr[data-key=remote]', { timeout: WAIT_MS });
    const shown = await admin.page.$$eval('#breakers tbody tr', (rows) =>
      rows.map((r) => ({ key: r.dataset.key, state: r.querySelector('.breaker').dataset.state })));
    assert.deepEqual(shown, breakers.map((b) => ({ key: b.key, state: b.state })));
  });

  it('gives a read-only token no enabled admin control', async () => {
    const context = await browser.createBrowserContext();
    const reader = await DashboardPage.open(context, daemon.url, 'read');
    try {
      await reader.signIn(READ_TOKEN);
      await reader.page.waitForSelector('#role[data-role=read]', { timeout: WAIT_MS });
      await reader.go('#dead');
      await reader.waitForRows('#dead-table', 8);
      const usable = () => reader.page.$$eval('[data-admin]', (controls) => controls
        .map((c) => ({ label: c.textContent, enabled: !c.disabled, visible: c.checkVisibility() })));
      const onDead = await usable();
      // The bulk buttons, the detail's three and two per dead row.
      assert.ok(onDead.length >= 5 + 2 * 8, JSON.stringify(onDead));
      assert.deepEqual(onDead.filter((c) => c.enabled || c.visible), []);
      await reader.go(`#job/${ids.flaky[0]}`);
      await reader.page.waitForSelector('#detail-title .state[data-state=dead]', { timeout: WAIT_MS });
      assert.deepEqual((await usable()).filter((c) => c.enabled || c.visible), []);
    } finally {
      problems.push(...reader.problems);
      await context.close();
    }
  });

  it('filters the job list by state, type and queue and pages it by cursor', async () => {
    const { page } = admin;
    await admin.go('#jobs');
    await page.select('#jobs-filter [name=state]', 'completed');
    await page.type('#jobs-filter [name=type]', 'echo');
    await page.type('#jobs-filter [name=queue]', 'pages');
    await page.select('#jobs-filter [name=limit]', '10');
    await page.click('#jobs-filter button[type=submit]');
    const onPage = async (n, rows) => {
      await page.waitForFunction((want) =>
        document.querySelector('#jobs-pager .page-info').textContent.startsWith(`page ${want}:`),
      { timeout: WAIT_MS }, n);
      return admin.waitForRows('#jobs-table', rows);
    };
    const next = '#jobs-pager [data-page=next]';
    assert.deepEqual(await onPage(1, 10), ids.pages.slice(0, 10));
    await page.click(next);
    assert.deepEqual(await onPage(2, 10), ids.pages.slice(10, 20));
    await page.click(next);
    assert.deepEqual(await onPage(3, 5), ids.pages.slice(20));
    assert.equal(await page.$eval(next, (b) => b.disabled), true);
    await page.click('#jobs-pager [data-page=prev]');
    assert.deepEqual(await onPage(2, 10), ids.pages.slice(10, 20));
  });

  it("shows a job's detail with its error history", async () => {
    const { page } = admin;
    const job = await daemon.job(ids.flaky[0]);
    await page.type('#open-job-id', String(job.id));
    await page.click('#open-job button');
    await page.waitForSelector('#detail-title .state[data-state=dead]', { timeout: WAIT_MS });
    const rows = await page.$$eval('#detail-errors tbody tr', (trs) =>
      trs.map((tr) => [...tr.cells].map((td) => td.textContent)));
    assert.equal(rows.length, job.errors.length);
    assert.deepEqual(rows.map((r) => [r[0], r[2], r[3]]),
                     job.errors.map((e) => [String(e.attempt), e.kind, e.code]));
    const usable = await page.$$eval('.detail-head [data-admin]', (bs) =>
      bs.map((b) => `${b.textContent}:${!b.disabled && b.checkVisibility()}`));
    assert.deepEqual(usable, ['Cancel:false', 'Requeue:true', 'Purge:true']);
  });

  it('follows a burst of jobs through events: counts and throughput', async () => {
    await admin.go('#dead');
    await admin.waitForRows('#dead-table', 8);
    const start = Date.now();
    const statsReads = admin.requestsTo('GET /stats');
    let stats;
    const rounds = 8;
    for (let round = 1; round <= rounds; ++round) {
      await daemon.enqueue(specs(25, { type: 'echo', payload: 'burst' }));
      stats = await eventually(`burst ${round} completed`, async () => {
        const s = await daemon.get('/stats');
        return s.jobs.completed === 25 + 25 * round && s;
      });
    }
    await admin.waitForCounts(stats.jobs);
    await admin.page.waitForFunction((n) =>
      Number(document.querySelector('#throughput').dataset.completed) >= n,
    { timeout: WAIT_MS }, 25 * rounds);
    // 200 jobs, each enqueued, processed and completed: hundreds of events
    // applied, and /stats read a couple of times at most, never per event.
    const reads = admin.requestsTo('GET /stats') - statsReads;
    assert.ok(reads <= statsReadsWithin(Date.now() - start), `${reads} reads of /stats`);
    if (SCREENSHOT) await admin.page.screenshot({ path: SCREENSHOT, fullPage: true });
  });

  it('requeues a dead job from the page, which then runs again', async () => {
    await writeFile(join(daemon.dir, 'healed'), '');
    const id = ids.flaky[0];
    await admin.go('#dead');
    await admin.page.click(`#dead-table tr[data-id="${id}"] button.requeue`);
    const job = await daemon.waitForState(id, 'completed');
    assert.equal(job.errors.length, 1, 'the history of the dead attempt is kept');
    await admin.page.waitForSelector(`#dead-table tr[data-id="${id}"][data-state=completed]`,
                                     { timeout: WAIT_MS });
  });

  it("shows the server's problem when it refuses an action", async () => {
    const { page } = admin;
    const id = ids.flaky[1];
    // The page reads the job after it is gone (404), and then tries to purge it.
    admin.expectRefusalsOf(`${daemon.url}/jobs/${id}`);
    await admin.go(`#job/${id}`);
    await page.waitForSelector('#detail-title .state[data-state=dead]', { timeout: WAIT_MS });
    await page.click('#detail-purge');
    await page.waitForSelector('#confirm[open]', { timeout: WAIT_MS });
    assert.equal((await daemon.call('DELETE', `/jobs/${id}`)).status, 200);
    await page.waitForSelector('#detail-title .state[data-state=purged]', { timeout: WAIT_MS });
    await admin.confirm();
    await page.waitForFunction(() => !document.querySelector('#notice').hidden,
                               { timeout: WAIT_MS });
    const notice = await page.$eval('#notice-text', (n) => n.textContent);
    assert.match(notice, new RegExp(`^404 not_found: .*${id}`));
    await page.click('#notice-close');
  });

  async function bulk(action, type, expectedIds) {
    const { page } = admin;
    await admin.go('#dead');
    await page.$eval('#dead-filter [name=type]', (input) => { input.value = ''; });
    await page.type('#dead-filter [name=type]', type);
    await page.click('#dead-filter button[type=submit]');
    assert.deepEqual(await admin.waitForRows('#dead-table', expectedIds.length), expectedIds);
    await page.click(action === 'purge' ? '#bulk-purge' : '#bulk-requeue');
    await admin.confirm();
    await page.waitForSelector(`#bulk-result[data-action=${action}][data-done=true]`,
                               { timeout: WAIT_MS });
    assert.equal(await page.$eval('#bulk-result', (r) => r.dataset.changed),
                 String(expectedIds.length));
  }

  it('purges every dead job of a type from the page', async () => {
    await bulk('purge', 'reject', ids.reject);
    for (const id of ids.reject)
      assert.equal((await daemon.call('GET', `/jobs/${id}`)).status, 404);
    assert.deepEqual(await daemon.list({ state: 'dead', type: 'reject' }), []);
    await admin.waitForRows('#dead-table', 0);
  });

  it('requeues every dead job of a type from the page', async () => {
    const rest = ids.flaky.slice(2);
    await bulk('requeue', 'flaky', rest);
    for (const id of rest) await daemon.waitForState(id, 'completed');
  });

  it('still shows the counts of /stats after all of it', async () => {
    const stats = await eventually('the requeued jobs completed', async () => {
      const s = await daemon.get('/stats');
      return s.jobs.processing === 0 && s.jobs.pending === 3 && s.jobs.dead === 0 && s;
    });
    await admin.waitForCounts(stats.jobs);
    assert.deepEqual(await admin.counts(), stats.jobs);
    assert.ok(admin.requestsTo('GET /stats') <= statsReadsWithin(Date.now() - signedIn),
              admin.requests.join('\n'));
  });

  it('logged no console error, page error or failed request on any page', () => {
    problems.push(...admin.problems);
    assert.deepEqual(problems, []);
  });
});
