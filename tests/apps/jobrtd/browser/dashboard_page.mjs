// Debian's chromium, headless, driven by puppeteer-core, and the dashboard
// open in it: signing in, reading what the page shows, and every console
// error, page error and failed request it produced, so a test can demand
// there were none.

import puppeteer from 'puppeteer-core';

export const WAIT_MS = 10000;

export async function launchChromium(executablePath) {
  return puppeteer.launch({
    executablePath,
    headless: true, // --headless=new
    // CI runs as root, where chromium's sandbox cannot start. The rest keep
    // chromium from calling home on a machine with no outside network.
    args: ['--no-sandbox', '--headless=new', '--disable-gpu', '--disable-quic',
           '--no-first-run', '--disable-background-networking',
           '--disable-component-update', '--disable-sync'],
    defaultViewport: { width: 1360, height: 900 },
  });
}

export class DashboardPage {
  // `context`: a browser context of its own, so each page has its own
  // sessionStorage (its own token).
  static async open(context, url, name) {
    const page = await context.newPage();
    const dashboard = new DashboardPage(page, name);
    await page.goto(url, { waitUntil: 'domcontentloaded' });
    return dashboard;
  }

  constructor(page, name) {
    this.page = page;
    this.name = name;
    this.problems = [];
    this.expected = [];
    this.requests = [];
    page.on('console', (m) => {
      if (m.type() !== 'error' && m.type() !== 'warn') return;
      const url = m.location()?.url ?? '';
      if (this.expected.includes(url)) return;
      this.problems.push(`console ${m.type()}: ${m.text()} (${url})`);
    });
    page.on('pageerror', (e) => this.problems.push(`page error: ${e.message}`));
    page.on('requestfailed', (r) => {
      // Closing a page aborts its event stream: not a failure of the page.
      if (r.failure()?.errorText === 'net::ERR_ABORTED' && r.url().endsWith('/events')) return;
      this.problems.push(`request failed: ${r.method()} ${r.url()}: ${r.failure()?.errorText}`);
    });
    page.on('request', (r) => this.requests.push(`${r.method()} ${new URL(r.url()).pathname}`));
  }

  // A refusal the test provokes on purpose: console errors about this URL
  // do not count.
  expectRefusalsOf(url) {
    this.expected.push(url);
  }

  requestsTo(methodAndPath) {
    return this.requests.filter((r) => r === methodAndPath).length;
  }

  async signIn(token) {
    await this.page.waitForSelector('#sign-in-form', { visible: true, timeout: WAIT_MS });
    await this.page.type('#token', token);
    await this.page.click('#sign-in-form button[type=submit]');
    await this.page.waitForSelector('#live[data-state=live]', { timeout: WAIT_MS });
  }

  // {state: count} as the cards show them, once every card has a number.
  async counts() {
    await this.page.waitForFunction(
      () => [...document.querySelectorAll('#counts .count')].every((c) => c.dataset.count),
      { timeout: WAIT_MS });
    return this.page.$$eval('#counts .count', (cards) =>
      Object.fromEntries(cards.map((c) => [c.dataset.state, Number(c.dataset.count)])));
  }

  // Waits until the cards show `expected` ({state: count}).
  async waitForCounts(expected) {
    try {
      await this.page.waitForFunction((want) =>
        Object.entries(want).every(([state, n]) =>
          document.querySelector(`#counts .count[data-state=${state}]`)?.dataset.count === String(n)),
      { timeout: WAIT_MS }, expected);
    } catch (error) {
      throw new Error(`the page shows ${JSON.stringify(await this.counts())}, ` +
                      `/stats ${JSON.stringify(expected)}: ${error.message}`);
    }
  }

  async go(hash) {
    await this.page.evaluate((h) => { location.hash = h; }, hash);
  }

  // The ids of the rows of a job table (#jobs-table, #dead-table).
  rowIds(table) {
    return this.page.$$eval(`${table} tbody tr[data-id]`, (rows) =>
      rows.map((r) => Number(r.dataset.id)));
  }

  // Waits until the table shows `count` rows; their ids.
  async waitForRows(table, count) {
    await this.page.waitForFunction((t, n) =>
      document.querySelectorAll(`${t} tbody tr[data-id]`).length === n,
    { timeout: WAIT_MS }, table, count);
    return this.rowIds(table);
  }

  async confirm() {
    await this.page.waitForSelector('#confirm[open] #confirm-ok', { visible: true, timeout: WAIT_MS });
    await this.page.click('#confirm-ok');
  }
}
