-- Each delivery attempt's result, typed: 'delivered' (the receiver accepted it), 'failed' (it
-- certainly did not get it: refused, or answered no) or 'unknown' (timed out or cut off after the
-- request left, or reachwatch stopped meanwhile: the receiver may have it). Who was told of an
-- incident counts 'unknown' attempts, so their recovery is never skipped. `ok` stays (= delivered).
ALTER TABLE outbox_attempts ADD COLUMN outcome TEXT NOT NULL DEFAULT 'failed' CHECK (outcome IN ('delivered', 'failed', 'unknown'));
UPDATE outbox_attempts SET outcome = 'delivered' WHERE ok = 1;
-- Older attempts kept only their words: these ended without the receiver's answer (when in doubt,
-- unknown: a recovery too many is harmless, one too few is not). The primary key serves `told`.
UPDATE outbox_attempts SET outcome = 'unknown'
 WHERE ok = 0 AND permanent = 0
   AND (detail LIKE 'interrupted%' OR detail LIKE 'No answer from%' OR detail LIKE '%delivery aborted%' OR detail LIKE '%ETIMEDOUT%' OR detail LIKE '%ECONNRESET%' OR detail LIKE '%UND_ERR_SOCKET%'
        OR detail LIKE '%ECONNABORTED%' OR detail LIKE '%socket hang up%');
