// Reading a JSON body: the size limit while reading, strict UTF-8, and the nesting depth
// checked on the raw bytes, so a hostile body is refused before JSON.parse spends time
// on it (a 1 MiB `[[[…]]]` held the event loop for up to 340 ms). API.md, Conventions.
import type http from 'node:http';
import { AppError, type FieldError } from '../errors.ts';

export const MAX_DEPTH = 32;
const JSON_TYPE = /^application\/json\s*(;\s*charset\s*=\s*"?utf-8"?\s*)?$/i;
const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Whether arrays and objects nest deeper than `max`, counted outside strings. */
export function nestedDeeperThan(bytes: Uint8Array, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === 0x5c) i++; // a backslash escapes the next byte
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) {
      inString = true;
    } else if (c === 0x5b || c === 0x7b) {
      if (++depth > max) return true;
    } else if (c === 0x5d || c === 0x7d) {
      depth--;
    }
  }
  return false;
}

/** The first string (value or key) holding a NUL, with its path as validation reports paths. */
export function nulPath(value: unknown): string | null {
  const stack: [unknown, string][] = [[value, '']];
  while (stack.length) {
    const [v, path] = stack.pop()!;
    if (typeof v === 'string') {
      if (v.includes('\u0000')) return path;
    } else if (v !== null && typeof v === 'object') {
      for (const [k, item] of Object.entries(v)) {
        const at = path ? `${path}.${k}` : k;
        if (k.includes('\u0000')) return at;
        stack.push([item, at]);
      }
    }
  }
  return null;
}

const invalid = (path: string, message: string): AppError => {
  const errors: FieldError[] = [{ path, message }];
  return new AppError('validation_failed', `the request body failed validation: ${path || 'body'} ${message}`, errors);
};

export async function readBody(req: http.IncomingMessage, limit: number): Promise<unknown> {
  const length = req.headers['content-length'];
  if ((length === undefined || length === '0') && req.headers['transfer-encoding'] === undefined) return undefined;
  if (!JSON_TYPE.test(req.headers['content-type'] ?? '')) {
    throw new AppError('unsupported_media_type', 'send the body as application/json (UTF-8)');
  }
  const tooLarge = () => new AppError('payload_too_large', `the body is larger than ${limit} bytes`);
  if (length !== undefined && Number(length) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  const bytes = Buffer.concat(chunks);
  let text: string;
  try {
    text = utf8.decode(bytes);
  } catch {
    throw new AppError('malformed_json', 'the body is not valid UTF-8');
  }
  if (nestedDeeperThan(bytes, MAX_DEPTH)) throw invalid('', `the body is nested deeper than ${MAX_DEPTH} levels`);
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw new AppError('malformed_json', 'the body is not valid JSON');
  }
  const nul = nulPath(value);
  if (nul !== null) throw invalid(nul, 'must not contain NUL characters');
  return value;
}
