// GET /requests.csv and GET /reports/summary (API.md, "Reports"): parse, call the workflow
// or the report SQL, shape the answer. Named after their route, like every handler.
import * as v from 'valibot';
import { MAX_PAGE } from '../db/requests.ts';
import { listRequests } from '../requests/actions.ts';
import { ListRequestsQuery } from '../requests/schemas.ts';
import { summary, SummaryQuery } from '../reports/actions.ts';
import { csvRow, REQUEST_COLUMNS } from '../reports/csv.ts';
import { parse } from '../validation.ts';
import { actorOf, type Ctx, json, queryObject, type Res } from './context.ts';

const CsvQuery = v.omit(ListRequestsQuery, ['limit', 'cursor']);

/**
 * GET /requests.csv — every row the same filters and visibility as GET /requests would
 * list, page by page from the keyset cursor, so memory holds one page however many rows
 * match; the next page is read only once the socket has taken the last one.
 */
export async function getRequestsCsv(ctx: Ctx): Promise<Res> {
  const actor = actorOf(ctx);
  const q = parse(CsvQuery, queryObject(ctx), 'invalid_query');
  const { db, clock } = ctx.services;
  const day = new Date(clock.now()).toISOString().slice(0, 10);
  return {
    status: 200,
    headers: { 'Content-Disposition': `attachment; filename="serviceflow-requests-${day}.csv"` },
    stream: {
      contentType: 'text/csv; charset=utf-8; header=present',
      async write(out, closed) {
        out.write(csvRow(REQUEST_COLUMNS.map(([name]) => name)));
        let after: string | null = null;
        while (!closed.aborted) {
          const rows = await listRequests(db, actor, q, { after, limit: MAX_PAGE }, new Date(clock.now()));
          let chunk = '';
          for (const row of rows) {
            const r = JSON.parse(row.doc);
            chunk += csvRow(REQUEST_COLUMNS.map(([, get]) => get(r)));
          }
          if (chunk && !out.write(chunk)) await out.drained();
          if (rows.length < MAX_PAGE) break;
          after = rows[rows.length - 1].seq;
        }
      },
    },
  };
}

/** GET /reports/summary */
export async function getReportsSummary(ctx: Ctx): Promise<Res> {
  const q = parse(SummaryQuery, queryObject(ctx), 'invalid_query');
  return json(200, await summary(ctx.services.db, actorOf(ctx), q, ctx.services.clock.now()));
}
