-- Each delivery attempt's result, typed: 'delivered' (the receiver accepted it), 'failed' (it
-- certainly did not get it: refused, or answered no) or 'unknown' (timed out or cut off after the
-- request left, or reachwatch stopped meanwhile: the receiver may have it). Who was told of an
-- incident counts 'unknown' attempts, so their recovery is never skipped. `ok` stays (= delivered).
ALTER TABLE outbox_attempts ADD COLUMN outcome TEXT NOT NULL DEFAULT 'failed' CHECK (outcome IN ('delivered', 'failed', 'unknown'));
UPDATE outbox_attempts SET outcome = 'delivered' WHERE ok = 1;
-- Older attempts kept only their words: these are the ones that ended without the receiver's answer.
UPDATE outbox_attempts SET outcome = 'unknown'
 WHERE ok = 0 AND permanent = 0
   AND (detail LIKE 'interrupted%' OR detail LIKE 'No answer from%' OR detail LIKE '%delivery aborted%' OR detail LIKE '%ETIMEDOUT%' OR detail LIKE '%ECONNRESET%' OR detail LIKE '%UND_ERR_SOCKET%');
CREATE INDEX outbox_attempts_told ON outbox_attempts(outbox_id, outcome);
