// The built jobrtd as a child process on 127.0.0.1 and a port of the
// system's choice (--listen 127.0.0.1:0; the daemon prints the port), on a
// SQLite file in a scratch directory, and a JSON client for its API: the
// node twin of ../running_daemon.hpp. Waits are bounded polls of a real
// condition, never fixed sleeps.

import { spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';

export const BOUND_MS = 20000;

// Polls `condition` (async, truthy when met) every 20 ms until it holds or
// `limitMs` passes; its last value, or throws naming `what`.
export async function eventually(what, condition, limitMs = BOUND_MS) {
  const deadline = Date.now() + limitMs;
  let last;
  for (;;) {
    last = await condition();
    if (last) return last;
    if (Date.now() >= deadline) throw new Error(`not within ${limitMs} ms: ${what}`);
    await delay(20);
  }
}

export class RunningDaemon {
  // `config` is TOML; each "@DIR@" becomes the scratch directory.
  static async start(binary, config) {
    const dir = await mkdtemp(join(tmpdir(), 'jobrtd-browser-'));
    const path = join(dir, 'jobrtd.toml');
    await writeFile(path, config.replaceAll('@DIR@', dir));
    const child = spawn(binary, ['--config', path, '--listen', '127.0.0.1:0',
                                 '--db', join(dir, 'jobs.db')],
                        { stdio: ['ignore', 'pipe', 'pipe'] });
    const daemon = new RunningDaemon(dir, child);
    daemon.port = await daemon.#listening();
    return daemon;
  }

  constructor(dir, child) {
    this.dir = dir;
    this.child = child;
    this.output = '';
    this.token = '';
    child.stdout.on('data', (d) => { this.output += d; });
    child.stderr.on('data', (d) => { this.output += d; });
    this.exited = new Promise((resolve) => child.on('exit', (code, signal) =>
      resolve({ code, signal })));
  }

  #listening() {
    const prefix = 'jobrtd: listening on 127.0.0.1:';
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`jobrtd did not listen:\n${this.output}`)),
                               BOUND_MS);
      const look = () => {
        const at = this.output.indexOf(prefix);
        if (at < 0) return;
        clearTimeout(timer);
        this.child.stdout.off('data', look);
        resolve(Number.parseInt(this.output.slice(at + prefix.length), 10));
      };
      this.child.stdout.on('data', look);
      this.exited.then(({ code }) => reject(new Error(`jobrtd exited ${code}:\n${this.output}`)));
    });
  }

  get url() {
    return `http://127.0.0.1:${this.port}`;
  }

  // The response's status and JSON body (null when there is none).
  async call(method, path, body) {
    const headers = this.token ? { Authorization: `Bearer ${this.token}` } : {};
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(this.url + path, {
      method, headers, body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    return { status: res.status, body: text ? JSON.parse(text) : null };
  }

  async get(path) {
    const { status, body } = await this.call('GET', path);
    if (status !== 200) throw new Error(`GET ${path}: ${status} ${JSON.stringify(body)}`);
    return body;
  }

  async post(path, body) {
    const r = await this.call('POST', path, body);
    if (r.status >= 300) throw new Error(`POST ${path}: ${r.status} ${JSON.stringify(r.body)}`);
    return r.body;
  }

  // Enqueues `specs` in one request; their ids, in order.
  async enqueue(specs) {
    const { results } = await this.post('/jobs', specs);
    return results.map((r) => {
      if (r.problem) throw new Error(`enqueue refused: ${JSON.stringify(r.problem)}`);
      return r.id;
    });
  }

  async job(id) {
    return this.get(`/jobs/${id}`);
  }

  // Every job matching `filter`, page by page.
  async list(filter) {
    const jobs = [];
    let after = 0;
    do {
      const q = new URLSearchParams({ ...filter, after: String(after), limit: '1000' });
      const page = await this.get(`/jobs?${q}`);
      jobs.push(...page.jobs);
      after = page.next_after;
    } while (after !== null);
    return jobs;
  }

  waitForState(id, state) {
    return eventually(`job ${id} ${state}`, async () => {
      const job = await this.job(id);
      return job.state === state && job;
    });
  }

  // SIGTERM, then the exit; the scratch directory is removed.
  async stop() {
    if (this.child.exitCode === null && this.child.signalCode === null)
      this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.child.kill('SIGKILL'), BOUND_MS);
    const exit = await this.exited;
    clearTimeout(timer);
    await rm(this.dir, { recursive: true, force: true });
    return exit;
  }
}
