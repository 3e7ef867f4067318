// The HTTP semantics of a download (RFC 9110 §13–14, RFC 6266): conditional requests,
// one byte range, and the Content-Disposition that names the file.
import { AppError } from '../errors.ts';

/** If-None-Match: `*` or a list of entity tags, compared weakly (RFC 9110 §13.1.2). */
export function noneMatch(given: string | undefined, etag: string): boolean {
  if (given === undefined) return false;
  if (given.trim() === '*') return true;
  const opaque = (t: string) => t.trim().replace(/^W\//, '');
  return given.split(',').some((t) => opaque(t) === opaque(etag));
}

/**
 * The one byte range a Range header asks for, as [first, last] (inclusive, from 0), or
 * null to send the whole file: no Range, another unit, several ranges or a malformed
 * one (which a server may ignore), or an If-Range that is not this file's ETag (strong
 * comparison; a date never matches, as there is no Last-Modified). A range that starts
 * past the end, a zero-length suffix, or last < first is 416, its Content-Range naming the size.
 */
export function byteRange(range: string | undefined, ifRange: string | undefined, etag: string, size: number): [number, number] | null {
  if (range === undefined || (ifRange !== undefined && ifRange.trim() !== etag)) return null;
  const m = /^bytes=(\d*)-(\d*)$/.exec(range.trim());
  if (!m || (m[1] === '' && m[2] === '')) return null;
  const unsatisfiable = () =>
    new AppError('range_not_satisfiable', `the range is outside the file's ${size} bytes`, undefined, { 'Content-Range': `bytes */${size}` });
  if (m[1] === '') {
    const suffix = Number(m[2]);
    if (suffix === 0) throw unsatisfiable();
    return [Math.max(size - suffix, 0), size - 1];
  }
  const first = Number(m[1]);
  const last = m[2] === '' ? size - 1 : Number(m[2]);
  if (first >= size || last < first) throw unsatisfiable();
  return [first, Math.min(last, size - 1)];
}

const INLINE = new Set(['image/png', 'image/jpeg', 'image/gif', 'image/webp']);

/**
 * `inline` only for the four raster image types a browser shows and cannot run;
 * everything else (HTML, SVG, PDF, …) downloads. The name twice (RFC 6266 §4.3): an
 * ASCII stand-in for old clients, and the exact name as UTF-8 (RFC 8187).
 */
export function contentDisposition(filename: string, contentType: string): string {
  const kind = INLINE.has(contentType.split(';')[0]) ? 'inline' : 'attachment';
  const ascii = filename.replace(/[^\x20-\x7e]|["\\%]/g, '_');
  const exact = encodeURIComponent(filename).replace(/['()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
  return `${kind}; filename="${ascii}"; filename*=UTF-8''${exact}`;
}
