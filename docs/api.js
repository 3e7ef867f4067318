// Renders /openapi.json as a page. Plain DOM, no dependencies, no network beyond this server.
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
};

/** Text with `code spans` (the document's Markdown habit) as <code> elements. */
const rich = (tag, attrs, text) => el(tag, attrs, ...String(text || '').split('`').map((part, i) => (i % 2 ? el('code', {}, part) : part)));

function resolve(doc, obj) {
  let o = obj;
  while (o && o.$ref) o = o.$ref.slice(2).split('/').reduce((acc, k) => acc[k], doc);
  return o;
}

function schemaText(doc, schema, depth = 0) {
  const s = resolve(doc, schema) || {};
  if (depth > 3) return schema.$ref ? schema.$ref.split('/').pop() : 'object';
  if (s.enum) return s.enum.map((v) => JSON.stringify(v)).join(' | ');
  if (s.oneOf) return s.oneOf.map((x) => schemaText(doc, x, depth + 1)).join(' | ');
  if (s.allOf) return s.allOf.map((x) => schemaText(doc, x, depth + 1)).join(' & ');
  if (s.type === 'array') return `[${schemaText(doc, s.items || {}, depth + 1)}]`;
  if (s.properties) {
    const pad = '  '.repeat(depth + 1);
    const req = new Set(s.required || []);
    const lines = Object.entries(s.properties).map(([k, v]) => `${pad}${k}${req.has(k) ? '' : '?'}: ${schemaText(doc, v, depth + 1)}`);
    return `{\n${lines.join(',\n')}\n${'  '.repeat(depth)}}`;
  }
  return Array.isArray(s.type) ? s.type.join(' | ') : s.type || 'any';
}

function operation(doc, path, method, op) {
  const id = op.operationId || `${method}-${path}`;
  const art = el('article', { id });
  art.append(el('h3', {}, el('span', { class: `method ${method.toUpperCase()}` }, method.toUpperCase()), path));
  art.append(el('p', {}, rich('strong', {}, op.summary)));
  if (op.description) art.append(rich('p', { class: 'desc' }, op.description));
  const params = (op.parameters || []).map((p) => resolve(doc, p));
  if (params.length) {
    const t = el('table', {}, el('tr', {}, el('th', {}, 'Parameter'), el('th', {}, 'In'), el('th', {}, 'Schema'), el('th', {}, 'About')));
    for (const p of params) t.append(el('tr', {}, el('td', {}, el('code', {}, p.name)), el('td', {}, p.in), el('td', {}, el('code', {}, schemaText(doc, p.schema || {}))), rich('td', {}, p.description)));
    art.append(t);
  }
  const body = op.requestBody?.content?.['application/json'];
  if (body) {
    // tabindex: a block that scrolls sideways must be reachable by keyboard to be scrolled.
    art.append(el('p', {}, 'Body (application/json):'), el('pre', { tabindex: '0' }, schemaText(doc, body.schema)));
    if (body.example) art.append(el('p', {}, 'Example:'), el('pre', { tabindex: '0' }, JSON.stringify(body.example, null, 2)));
  } else if (op.requestBody) {
    // A raw body (an upload): its media range and what it holds.
    const [type] = Object.keys(op.requestBody.content || {});
    art.append(el('p', {}, `Body (${type}): ${op.requestBody.description || ''}`));
  }
  const t = el('table', {}, el('tr', {}, el('th', {}, 'Status'), el('th', {}, 'Meaning')));
  for (const [status, r] of Object.entries(op.responses || {})) t.append(el('tr', {}, el('td', {}, status), rich('td', {}, resolve(doc, r).description)));
  art.append(t);
  return art;
}

async function main() {
  const doc = await (await fetch('/openapi.json')).json();
  const root = document.getElementById('doc');
  const toc = el('ul');
  root.replaceChildren(rich('p', { class: 'desc' }, doc.info.description));
  for (const tag of doc.tags || []) {
    const sec = el('section', { class: 'tag' }, el('h2', {}, tag.name), rich('p', {}, tag.description));
    for (const [path, item] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(item)) {
        if (!(op.tags || []).includes(tag.name)) continue;
        sec.append(operation(doc, path, method, op));
        toc.append(el('li', {}, el('a', { href: `#${op.operationId}` }, `${method.toUpperCase()} ${path}`)));
      }
    }
    root.append(sec);
  }
  // OpenAPI 3.1 `webhooks`: what ServiceFlow POSTs to your endpoints, one entry per event type.
  if (doc.webhooks) {
    const sec = el('section', { class: 'tag' }, el('h2', {}, 'Webhook deliveries'), el('p', {}, 'What ServiceFlow POSTs to your endpoints, per event type.'));
    for (const [name, item] of Object.entries(doc.webhooks)) {
      for (const [method, op] of Object.entries(item)) {
        sec.append(operation(doc, name, method, op));
        toc.append(el('li', {}, el('a', { href: `#${op.operationId}` }, `${method.toUpperCase()} → ${name}`)));
      }
    }
    root.append(sec);
  }
  document.getElementById('toc').replaceChildren(toc);
}

main().catch((err) => { document.getElementById('doc').textContent = `Could not load /openapi.json: ${err.message}`; });
