// Completions and dead letters per second over the last five minutes,
// counted from the job events this page received (so it starts empty when
// the page opens), drawn on a canvas once a second.

import { formatCount } from './dom.js';

const SECONDS = 300;
const COLORS = { completed: '#2da44e', dead: '#cf222e', grid: '#d0d7de', text: '#57606a' };

export class ThroughputChart {
  constructor(canvas, note) {
    this.canvas = canvas;
    this.note = note;
    this.completed = new Uint32Array(SECONDS);
    this.dead = new Uint32Array(SECONDS);
    this.second = currentSecond();
    this.since = Date.now();
    setInterval(() => this.draw(), 1000);
    new ResizeObserver(() => this.draw()).observe(canvas);
  }

  apply(event) {
    if (event.to !== 'completed' && event.to !== 'dead') return;
    this.#advance();
    const slot = this.second % SECONDS;
    if (event.to === 'completed') this.completed[slot] += 1;
    else this.dead[slot] += 1;
  }

  // Clears the slots of the seconds that passed without an event.
  #advance() {
    const now = currentSecond();
    for (let s = this.second + 1; s <= now && s <= this.second + SECONDS; ++s) {
      this.completed[s % SECONDS] = 0;
      this.dead[s % SECONDS] = 0;
    }
    this.second = Math.max(this.second, now);
  }

  // The series oldest first.
  #series(ring) {
    const out = new Array(SECONDS);
    for (let i = 0; i < SECONDS; ++i) out[i] = ring[(this.second + 1 + i) % SECONDS];
    return out;
  }

  draw() {
    this.#advance();
    const completed = this.#series(this.completed);
    const dead = this.#series(this.dead);
    const peak = Math.max(...completed, ...dead);
    this.#paint(completed, dead, niceCeiling(peak));
    const lastMinute = (xs) => xs.slice(-60).reduce((a, b) => a + b, 0);
    const total = completed.reduce((a, b) => a + b, 0);
    this.note.textContent =
      `Last minute: ${formatCount(lastMinute(completed))} completed, ` +
      `${formatCount(lastMinute(dead))} dead. Peak ${formatCount(peak)}/s` +
      (Date.now() - this.since < SECONDS * 1000 ? ' (since this page opened).' : '.');
    this.canvas.dataset.completed = String(total);
  }

  #paint(completed, dead, top) {
    const ratio = window.devicePixelRatio || 1;
    const width = this.canvas.clientWidth;
    const height = this.canvas.clientHeight;
    if (!width || !height) return;
    this.canvas.width = Math.round(width * ratio);
    this.canvas.height = Math.round(height * ratio);
    const g = this.canvas.getContext('2d');
    g.scale(ratio, ratio);
    const left = 36;
    const bottom = height - 16;
    const plotWidth = width - left - 4;
    const x = (i) => left + (i / (SECONDS - 1)) * plotWidth;
    const y = (v) => bottom - (v / top) * (bottom - 6);
    g.font = '11px system-ui, sans-serif';
    g.fillStyle = COLORS.text;
    g.strokeStyle = COLORS.grid;
    g.lineWidth = 1;
    for (const v of top % 2 ? [0, top] : [0, top / 2, top]) {
      g.beginPath();
      g.moveTo(left, Math.round(y(v)) + 0.5);
      g.lineTo(left + plotWidth, Math.round(y(v)) + 0.5);
      g.stroke();
      g.fillText(formatCount(v), 2, y(v) + 4);
    }
    g.fillText('−5 min', left, height - 3);
    g.fillText('now', left + plotWidth - 20, height - 3);
    this.#line(g, completed, x, y, COLORS.completed, true, bottom);
    this.#line(g, dead, x, y, COLORS.dead, false, bottom);
  }

  #line(g, values, x, y, color, filled, bottom) {
    g.beginPath();
    values.forEach((v, i) => (i ? g.lineTo(x(i), y(v)) : g.moveTo(x(i), y(v))));
    g.strokeStyle = color;
    g.lineWidth = 1.5;
    g.stroke();
    if (!filled) return;
    g.lineTo(x(values.length - 1), bottom);
    g.lineTo(x(0), bottom);
    g.closePath();
    g.globalAlpha = 0.15;
    g.fillStyle = color;
    g.fill();
    g.globalAlpha = 1;
  }
}

// The axis's top: 1, 2, 5, 10, 20, 50, ... at or above `n`.
function niceCeiling(n) {
  let scale = 1;
  for (;;) {
    for (const step of [1, 2, 5]) if (step * scale >= n) return step * scale;
    scale *= 10;
  }
}

function currentSecond() {
  return Math.floor(Date.now() / 1000);
}
