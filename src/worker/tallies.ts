// The report tallies' fold (migration 0022): the deltas every write to requests appends
// are summed into request_tallies, so a report reads a few rows per bucket and not every
// delta since the start. A report is exact whether or not a fold has run; the fold only
// keeps it fast. With several instances, one folds and the others find the lock held.
// A backlog (a bulk update, a time with only old instances serving) goes in batches, each
// its own transaction, and is logged.
import { FOLD_BATCH, foldTallies } from '../db/reports.ts';
import { log } from '../log.ts';
import type { Loop } from './index.ts';

export const tallies: Loop = {
  name: 'tallies',
  everyMs: 1_000,
  async run({ db }, signal) {
    let folded = 0;
    for (;;) {
      const moved = await foldTallies(db);
      folded += moved ?? 0;
      if (moved === null || moved < FOLD_BATCH || signal.aborted) break;
    }
    if (folded >= FOLD_BATCH) log.warn('report tallies: folded a backlog of deltas', { folded });
  },
};
