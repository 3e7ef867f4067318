// Attachments in the console: files go up as the raw body (the API takes no forms); images
// come back through fetch (the key is a header, which an <img src> cannot send) as blob:
// URLs, revoked when the next view renders (the page's CSP allows img-src blob:).
import { ApiError, field, flash, h, state, unauthorized, when } from './core.js';

/** A call whose body is not JSON (an upload) or whose answer is bytes (a download). */
export async function raw(method, path, init = {}) {
  const res = await fetch(path, { method, ...init, headers: { 'X-API-Key': state.key || '', ...init.headers } });
  if (res.status === 401 && state.me) unauthorized();
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  return res;
}

const blobs = new Set();
const blobUrl = (blob) => { const url = URL.createObjectURL(blob); blobs.add(url); return url; };
export function revokeBlobs() { for (const url of blobs) URL.revokeObjectURL(url); blobs.clear(); }
const IMAGES = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
const isImage = (a) => IMAGES.includes(a.content_type.split(';')[0]);
const bytes = (n) => (n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KB` : `${(n / 1048576).toFixed(1)} MB`);

/** Uploads each file; '' when all went, else a message naming the ones that did not. */
export async function uploadFiles(ref, files, internal) {
  const failed = [];
  for (const f of files) {
    const q = new URLSearchParams({ filename: f.name, ...(internal ? { internal: 'true' } : {}) });
    try {
      await raw('POST', `/requests/${encodeURIComponent(ref)}/attachments?${q}`, { body: f, headers: { 'Content-Type': f.type || 'application/octet-stream' } });
    } catch (err) { failed.push(`${f.name}: ${err.message}`); }
  }
  return failed.length ? `Not attached: ${failed.join('; ')}` : '';
}

/** A file picker that also takes files dropped on it; `files` is what will be sent. */
export function filePicker() {
  const files = [];
  const input = h('input', { type: 'file', multiple: true });
  const list = h('ul', { class: 'picked', 'aria-live': 'polite' });
  const show = () => list.replaceChildren(...files.map((f, i) => h('li', {}, `${f.name} (${bytes(f.size)}) `,
    h('button', { type: 'button', class: 'link', 'aria-label': `Remove ${f.name}`, onclick: () => { files.splice(i, 1); show(); } }, 'Remove'))));
  const add = (more) => { files.push(...more); show(); };
  input.addEventListener('change', () => { add([...input.files]); input.value = ''; });
  const zone = h('div', { class: 'drop', ondragover: (e) => { e.preventDefault(); zone.classList.add('over'); }, ondragleave: () => zone.classList.remove('over'),
    ondrop: (e) => { e.preventDefault(); zone.classList.remove('over'); add([...e.dataTransfer.files]); } },
  field('Attach files', input), h('p', { class: 'meta' }, 'or drop them here'), list);
  return { node: zone, files, clear: () => { files.length = 0; show(); } };
}

async function download(a) {
  const link = h('a', { href: blobUrl(await (await raw('GET', `/attachments/${a.id}`)).blob()), download: a.filename });
  document.body.append(link); link.click(); link.remove();
}
function preview(a, url) {
  const dialog = h('dialog', { class: 'preview', 'aria-label': `Preview of ${a.filename}`, onclose: () => dialog.remove() },
    h('img', { src: url, alt: a.filename }), h('p', {}, a.filename),
    h('div', { class: 'actions' }, h('button', { type: 'button', onclick: () => download(a).catch((e) => flash(e.message, 'error')) }, 'Download'),
      h('button', { type: 'button', class: 'primary', onclick: () => dialog.close() }, 'Close')));
  document.body.append(dialog);
  dialog.showModal();
}
export function attachmentCard(a) {
  const card = h('li', { class: `file${a.internal ? ' internal' : ''}` });
  const thumb = h('button', { type: 'button', class: 'thumb', 'aria-label': `Preview ${a.filename}`, disabled: true });
  if (isImage(a)) {
    raw('GET', `/attachments/${a.id}`).then((res) => res.blob()).then((blob) => {
      const url = blobUrl(blob);
      thumb.replaceChildren(h('img', { src: url, alt: '' }));
      thumb.disabled = false;
      thumb.addEventListener('click', () => preview(a, url));
    }).catch(() => thumb.replaceChildren('?'));
  }
  card.append(isImage(a) ? thumb : h('span', { class: 'thumb', 'aria-hidden': 'true' }, (a.filename.split('.').pop() || 'file').slice(0, 4).toUpperCase()),
    h('div', {}, h('div', { class: 'name' }, a.filename),
      h('div', { class: 'meta' }, `${bytes(a.size)} · ${a.uploaded_by.full_name} · `, when(a.created_at), a.internal ? ' · internal' : ''),
      h('button', { type: 'button', class: 'link', 'aria-label': `Download ${a.filename}`, onclick: () => download(a).catch((e) => flash(e.message, 'error')) }, 'Download')));
  return card;
}
