// Small DOM helpers shared by the views. Server data only ever becomes
// text (textContent), never markup: payloads and error messages are
// whatever a client or a handler wrote.

export const $ = (selector, root = document) => root.querySelector(selector);

// el('td', { class: 'n', dataset: { id: 7 } }, 'text', child, ...)
export function el(tag, attrs = {}, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'dataset') Object.assign(node.dataset, v);
    else if (k === 'onclick') node.addEventListener('click', v);
    else node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children)
    if (c !== undefined && c !== null) node.append(c instanceof Node ? c : String(c));
  return node;
}

const numbers = new Intl.NumberFormat('en');
export const formatCount = (n) => numbers.format(n);

export function formatTime(ms) {
  if (ms === null || ms === undefined) return '';
  return new Date(ms).toLocaleString(undefined, { hour12: false });
}

export function formatAgo(ms, now = Date.now()) {
  if (ms === null || ms === undefined) return '';
  const s = Math.round((now - ms) / 1000);
  if (Math.abs(s) < 60) return s >= 0 ? `${s} s ago` : `in ${-s} s`;
  const m = Math.round(s / 60);
  if (Math.abs(m) < 90) return m >= 0 ? `${m} min ago` : `in ${-m} min`;
  const h = Math.round(m / 60);
  return h >= 0 ? `${h} h ago` : `in ${-h} h`;
}

export function formatDuration(ms) {
  if (ms === null || ms === undefined) return '';
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(ms < 10000 ? 1 : 0)} s`;
}

// A time cell: relative text, the exact time on hover.
export function timeCell(ms) {
  return el('td', { title: formatTime(ms), class: 'time', dataset: { at: ms ?? '' } },
            formatAgo(ms));
}

export function stateBadge(state) {
  return el('span', { class: 'state', dataset: { state: state ?? 'purged' } },
            state ?? 'purged');
}

// The banner at the top: refusals from the server, failures of the page.
export function showNotice(text, kind = 'error') {
  const box = $('#notice');
  $('#notice-text').textContent = text;
  box.dataset.kind = kind;
  box.hidden = false;
}

export function hideNotice() {
  $('#notice').hidden = true;
}

// Resolves true when the operator confirms; the dialog is modal.
export function confirmAction(text, okLabel) {
  const dialog = $('#confirm');
  if (dialog.open) return Promise.resolve(false);
  $('#confirm-text').textContent = text;
  $('#confirm-ok').textContent = okLabel;
  return new Promise((resolve) => {
    const done = (answer) => () => {
      dialog.close();
      ok.removeEventListener('click', yes);
      cancel.removeEventListener('click', no);
      dialog.removeEventListener('cancel', no);
      resolve(answer);
    };
    const ok = $('#confirm-ok');
    const cancel = $('#confirm-cancel');
    const yes = done(true);
    const no = done(false);
    ok.addEventListener('click', yes);
    cancel.addEventListener('click', no);
    dialog.addEventListener('cancel', no);
    dialog.showModal();
  });
}

// Types and queues seen so far, offered in the filters' inputs.
const known = { types: new Set(), queues: new Set() };
export function learnNames(type, queue) {
  addName(known.types, '#known-types', type);
  addName(known.queues, '#known-queues', queue);
}

function addName(set, list, name) {
  if (!name || set.has(name) || set.size >= 500) return;
  set.add(name);
  $(list).append(el('option', { value: name }));
}

// Controls marked data-admin work only with an admin token: otherwise
// hidden and disabled (the server would refuse them anyway, with 403). A
// control may also be unavailable for the job shown (requeue of a
// completed job): then it is hidden for everyone.
export function applyRole(role) {
  document.body.classList.toggle('read-only', role !== 'admin');
  for (const control of document.querySelectorAll('[data-admin]')) gate(control);
}

export function isAdmin() {
  return !document.body.classList.contains('read-only');
}

export function gate(control) {
  const usable = isAdmin() && control.dataset.unavailable !== 'true';
  control.disabled = !usable;
  control.hidden = !usable;
}

export function setAvailable(control, available) {
  control.dataset.unavailable = String(!available);
  gate(control);
}

// A gated control made later (a row's buttons).
export function adminButton(label, onclick, attrs = {}) {
  const b = el('button', { type: 'button', 'data-admin': true, onclick, ...attrs }, label);
  gate(b);
  return b;
}
