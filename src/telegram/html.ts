// Telegram's HTML parse mode, safely: every user-supplied text goes through escapeHtml, and
// a message is cut to Telegram's limit (4096 characters of text once entities are parsed)
// without ending inside a tag or an escape, with the tags still open closed again.

/** Text as HTML: the four characters that HTML parse mode reads as markup. */
export const escapeHtml = (s: string) =>
  s.replace(/[&<>"]/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : '&quot;'));

/** Plain text cut to at most `max` code points, ending in "…" when it was longer. */
export function cut(s: string, max: number): string {
  const points = [...s];
  return points.length <= max ? s : points.slice(0, Math.max(0, max - 1)).join('') + '…';
}

/** Tags, entities, then single code points: the units a cut may fall between. */
const TOKEN = /<\/?([a-zA-Z-]+)[^>]*>|&(?:#\d+|#x[0-9a-fA-F]+|[a-zA-Z]+);|[\s\S]/gu;

// Telegram counts a message's length in UTF-16 code units (its entity offsets do too).
const width = (token: string) => (token.startsWith('&') && token.length > 1 ? 1 : token.length);

/** How long `html` is as Telegram counts it: its text, entities as one character, tags as none. */
export function textLength(html: string): number {
  let n = 0;
  for (const m of html.matchAll(TOKEN)) if (!m[1]) n += width(m[0]);
  return n;
}

/**
 * `html` (well-formed, as this module builds it) cut so that its text is at most `limit`
 * characters: never inside a tag or an entity, "…" where it was cut, and every tag still
 * open closed in order.
 */
export function fitHtml(html: string, limit = 4096): string {
  if (textLength(html) <= limit) return html;
  let out = '';
  let n = 0;
  const open: string[] = [];
  for (const m of html.matchAll(TOKEN)) {
    const [token, tag] = m;
    if (tag) {
      if (token.startsWith('</')) open.pop();
      else open.push(tag.toLowerCase());
      out += token;
      continue;
    }
    if (n + width(token) > limit - 1) break;
    out += token;
    n += width(token);
  }
  return out + '…' + open.reverse().map((t) => `</${t}>`).join('');
}

/** Telegram keeps at most 64 bytes of a button's callback_data. */
export const CALLBACK_DATA_BYTES = 64;
