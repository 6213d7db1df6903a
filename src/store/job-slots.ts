// The scheduler's memory of each job's next slot, so a restart keeps every job's rhythm and causes
// no burst. A website's single job keeps its slot in channel_state (no extra write on the hot path);
// the jobs of other channels (a phone's lookup and call) each keep theirs in job_slots. The probe
// writer stores them with each result; this reads them back.

import type { DB } from './db.ts';
import type { JobSlotRow } from './rows.ts';

/** Every remembered next slot, by job id (`<channel>#<method>`). */
export function rememberedSlots(db: DB): Map<string, number> {
  const rows = db
    .prepare<[], Pick<JobSlotRow, 'job_id' | 'next_slot_at'>>(
      `SELECT job_id, next_slot_at FROM job_slots
       UNION ALL SELECT c.id || '#http', s.next_due_at FROM channel_state s JOIN channels c ON c.ref = s.channel_ref
       WHERE c.type = 'website' AND s.next_due_at IS NOT NULL`,
    )
    .all();
  return new Map(rows.map((r) => [r.job_id, r.next_slot_at]));
}
