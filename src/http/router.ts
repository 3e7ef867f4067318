// A tiny router: the route table is data, a path pattern is segments with :params.
export interface RouteLike { method: string; path: string }
export type Compiled<R extends RouteLike> = R & { segments: string[] };

export type Match<R extends RouteLike> =
  | { kind: 'found'; route: Compiled<R>; params: Record<string, string> }
  | { kind: 'method_not_allowed'; allow: string[] }
  | { kind: 'not_found' };

export function compile<R extends RouteLike>(table: R[]): Compiled<R>[] {
  return table.map((r) => ({ ...r, segments: r.path.split('/').slice(1) }));
}

function matchPath(segments: string[], parts: string[]): Record<string, string> | null {
  if (segments.length !== parts.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i];
    if (seg.startsWith(':')) {
      if (parts[i] === '') return null;
      params[seg.slice(1)] = parts[i];
    } else if (seg !== parts[i]) {
      return null;
    }
  }
  return params;
}

/** The first route whose path and method match; static segments win because the table lists them first. */
export function match<R extends RouteLike>(routes: Compiled<R>[], method: string, pathname: string): Match<R> {
  let parts: string[];
  try {
    parts = pathname.split('/').slice(1).map(decodeURIComponent);
  } catch {
    return { kind: 'not_found' };
  }
  const allow = new Set<string>();
  for (const route of routes) {
    const params = matchPath(route.segments, parts);
    if (!params) continue;
    if (route.method === method || (method === 'HEAD' && route.method === 'GET')) return { kind: 'found', route, params };
    allow.add(route.method);
  }
  if (allow.size === 0) return { kind: 'not_found' };
  if (allow.has('GET')) allow.add('HEAD');
  return { kind: 'method_not_allowed', allow: [...allow].sort() };
}
