// The report tallies' fold (migration 0022): the deltas every write to requests appends
// are summed into request_tallies, so a report reads a few rows per bucket and not every
// delta since the start. A report is exact whether or not a fold has run; the fold only
// keeps it fast. With several instances, one folds and the others find the lock held.
import { foldTallies } from '../db/reports.ts';
import type { Loop } from './index.ts';

export const tallies: Loop = {
  name: 'tallies',
  everyMs: 1_000,
  async run({ db }) {
    await foldTallies(db);
  },
};
