// The OpenAPI document as a contract: every response the tests receive is checked
// against the document's schema for that path, method and status, so the document
// cannot drift from the code.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import Ajv2020 from 'ajv/dist/2020.js';
import addFormats from 'ajv-formats';

const here = path.dirname(fileURLToPath(import.meta.url));
export const openapi = JSON.parse(fs.readFileSync(path.join(here, '..', 'docs', 'openapi.json'), 'utf8'));

const ajv = new (Ajv2020 as unknown as typeof Ajv2020.default)({ strict: false, allErrors: true });
(addFormats as unknown as typeof addFormats.default)(ajv);
ajv.addSchema(openapi, 'openapi');

const pointer = (parts: string[]) => parts.map((p) => p.replace(/~/g, '~0').replace(/\//g, '~1')).join('/');
const resolve = (obj: any): any => {
  let o = obj;
  while (o?.$ref) o = o.$ref.slice(2).split('/').map((p: string) => p.replace(/~1/g, '/').replace(/~0/g, '~')).reduce((acc: any, k: string) => acc[k], openapi);
  return o;
};

const templates = Object.keys(openapi.paths).map((t) => ({ t, re: new RegExp(`^${t.replace(/\{[^}]+\}/g, '[^/]+')}$`) }));

// Statuses any route may answer before its own logic runs (documented in components.responses).
const ANYWHERE = new Set([400, 404, 405, 413, 415, 429, 431, 500, 503]);

/** Throws when a response is not what the document says. Non-JSON bodies are not checked. */
export function checkResponse(method: string, url: string, status: number, contentType: string | undefined, body: unknown): void {
  const pathname = new URL(url, 'http://x').pathname;
  const m = method.toLowerCase();
  const template = templates.find(({ re }) => re.test(pathname))?.t;
  const op = template ? openapi.paths[template][m] : undefined;
  if (!op || m === 'head' || m === 'options') {
    if (status >= 400 && contentType?.startsWith('application/problem+json')) validate(['components', 'schemas', 'Problem'], body, `${method} ${pathname}`);
    return;
  }
  const documented = op.responses[String(status)];
  if (!documented) {
    if (ANYWHERE.has(status) && contentType?.startsWith('application/problem+json')) {
      validate(['components', 'schemas', 'Problem'], body, `${method} ${template} ${status}`);
      return;
    }
    throw new Error(`${method} ${template} answered ${status}, which the OpenAPI document does not list`);
  }
  const response = resolve(documented);
  const type = contentType?.split(';')[0].trim() ?? '';
  // The documented media range that covers this type: exact, `image/*`, or `*/*` (a download).
  const key = [type, `${type.split('/')[0]}/*`, '*/*'].find((k) => response.content?.[k]);
  if (!key) {
    if (response.content && body !== undefined) throw new Error(`${method} ${template} ${status}: content type ${type} is not documented`);
    return;
  }
  if (!key.endsWith('json')) return;
  const where = documented.$ref
    ? [...documented.$ref.slice(2).split('/'), 'content', key, 'schema']
    : ['paths', template!, m, 'responses', String(status), 'content', key, 'schema'];
  validate(where, body, `${method} ${template} ${status}`);
  if (status >= 400) {
    const codes = /Codes: (.*)\.$/.exec(response.description)?.[1];
    const code = (body as { code?: string })?.code;
    if (codes && code && !codes.includes(`\`${code}\``)) throw new Error(`${method} ${template} ${status}: code ${code} is not among the documented ${codes}`);
  }
}

function validate(where: string[], body: unknown, label: string): void {
  const ref = `openapi#/${pointer(where)}`;
  const fn = ajv.getSchema(ref) ?? (ajv.addSchema({ $ref: ref }, ref), ajv.getSchema(ref)!);
  if (!fn(body)) throw new Error(`${label}: the body does not match the OpenAPI document: ${ajv.errorsText(fn.errors)}\n${JSON.stringify(body).slice(0, 500)}`);
}
