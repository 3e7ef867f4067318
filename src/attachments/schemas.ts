// The input of an upload: the filename and the internal flag of its query string, and
// the media type of its Content-Type (the body is the file itself).
import * as v from 'valibot';
import { AppError, fail } from '../errors.ts';

/**
 * What a filename may not hold: path separators, control characters (C0, DEL, C1), and
 * bidirectional overrides and isolates (which make "gpj.exe" read as "exe.jpg"). The
 * CHECK attachments_filename_valid of 0006_attachments.sql says the same.
 */
const FORBIDDEN = /[\u0000-\u001f\u007f-\u009f/\\\u202a-\u202e\u2066-\u2069]/u;
const codePoints = (s: string) => [...s].length;

export const FilenameSchema = v.pipe(
  v.string('must be a string'),
  v.check((s) => codePoints(s) >= 1, 'must not be empty'),
  v.check((s) => codePoints(s) <= 255, 'must be at most 255 characters'),
  v.check((s) => !FORBIDDEN.test(s), 'must not contain path separators or control characters'),
  v.check((s) => s !== '.' && s !== '..', 'must name a file, not a directory'),
);

export const UploadQuery = v.strictObject({
  filename: FilenameSchema,
  internal: v.optional(v.pipe(v.picklist(['true', 'false'], 'must be true or false'), v.transform((s) => s === 'true')), 'false'),
});

export interface UploadInput { filename: string; internal: boolean; content_type: string }

// RFC 9110 §8.3.1: type "/" subtype *( OWS ";" OWS parameter ), parameter values tokens
// or quoted strings. ASCII only, so the stored value is safe to send back as a header.
const TOKEN = "[!#$%&'*+.^_`|~0-9A-Za-z-]+";
const QUOTED = '"(?:[\\t\\x20\\x21\\x23-\\x5b\\x5d-\\x7e]|\\\\[\\t\\x20-\\x7e])*"';
const MEDIA_TYPE = new RegExp(`^(${TOKEN})/(${TOKEN})((?:[\\t ]*;[\\t ]*${TOKEN}=(?:${TOKEN}|${QUOTED}))*)[\\t ]*$`);

/**
 * The media type to store for an upload's Content-Type: `type/subtype` lower-cased, its
 * parameters as given; application/octet-stream when none is given. A multipart type
 * means the client sent a form, not the file (415).
 */
export function mediaType(given: string | undefined): string {
  const value = given?.trim() ?? '';
  if (value === '') return 'application/octet-stream';
  const m = value.length <= 255 ? MEDIA_TYPE.exec(value) : null;
  if (!m) {
    fail('validation_failed', 'Content-Type must be a media type such as image/png or text/plain; charset=utf-8', [
      { path: 'Content-Type', message: 'must be a media type such as image/png' },
    ]);
  }
  const essence = `${m[1]}/${m[2]}`.toLowerCase();
  if (essence.startsWith('multipart/')) {
    throw new AppError('unsupported_media_type', 'send the file itself as the body (curl --data-binary @file), not a multipart form');
  }
  const params = m[3].trim().replace(/^;[\t ]*/, '');
  return params ? `${essence}; ${params}` : essence;
}
