// When the page reads the store's exact counts (GET /stats), which count
// the whole table: a second or two at a million jobs. Never per event, and
// never more than 5% of the time: a read waits at least 20 times as long
// as the last one took, and never less than 10 s after it. Reads are
// asked for when the event stream (re)opens and when a burst of events
// has gone quiet; while the page is visible one also comes every 30 s (or
// that longer gap), since some changes send no event (retention).

const MIN_GAP_MS = 10000;
const PERIOD_MS = 30000;
const COST_FACTOR = 20;

export class CountReads {
  // read(): the read itself (a promise); failed(error) hears its failures.
  constructor(read, failed) {
    this.read = read;
    this.failed = failed;
    this.cost = 0;
    this.lastEnd = 0;
    this.running = false;
    this.wanted = false;
    this.timer = null;
    this.due = null;
    document.addEventListener('visibilitychange', () => this.#plan());
  }

  // A read as soon as the gap allows.
  ask() {
    this.wanted = true;
    this.#plan();
  }

  #gap() {
    return Math.max(MIN_GAP_MS, COST_FACTOR * this.cost);
  }

  #plan() {
    clearTimeout(this.timer);
    this.due = null;
    if (this.running || (!this.lastEnd && !this.wanted)) return;
    const visible = document.visibilityState === 'visible';
    if (!this.wanted && !visible) return;
    const wait = this.wanted ? this.#gap() : Math.max(PERIOD_MS, this.#gap());
    this.due = this.lastEnd ? this.lastEnd + wait : Date.now();
    this.timer = setTimeout(() => this.#run(), Math.max(0, this.due - Date.now()));
  }

  async #run() {
    this.running = true;
    this.wanted = false;
    this.due = null;
    const start = performance.now();
    try {
      await this.read();
    } catch (error) {
      this.failed(error);
    } finally {
      this.cost = performance.now() - start;
      this.lastEnd = Date.now();
      this.running = false;
      this.#plan();
    }
  }
}
