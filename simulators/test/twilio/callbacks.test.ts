// Webhook delivery: dropped, duplicated and reordered callbacks, forged and replayed ones, token
// rotation, GET callbacks, an unreachable or failing receiver — the cases a daemon must survive.

import { createServer } from 'node:net';
import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { signedCallbackRequest } from '../../twilio/fake-twilio.ts';
import { useHarness } from './harness.ts';
import { fakeTwilioClient } from './test-only-base-url-client.ts';

const harness = useHarness();
const TO = '+77162780193';

/** A loopback port with nothing listening, for "webhook unreachable". */
async function deadPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describe('status callback delivery', () => {
  it('a dropped final callback: the daemon can still fetch the final status', async () => {
    const h = harness();
    h.fake.script(TO, { outcome: 'busy', dropCallbacks: ['completed'] });
    const call = await h.client.calls.create(h.probe('drop', TO));
    await h.fake.waitForCall(call.sid, 'terminal');
    expect(h.receiver.of('status', 'drop').map((w) => w.params.CallStatus)).toEqual(['initiated', 'ringing']);
    const dropped = h.fake.calls.get(call.sid)?.callbacks.filter((c) => c.dropped);
    expect(dropped?.map((c) => [c.event, c.sequenceNumber, c.sentAt])).toEqual([['completed', 2, null]]);
    const fetched = await h.client.calls(call.sid).fetch();
    expect(fetched.status).toBe('busy');
    expect(fetched.endTime).toBeInstanceOf(Date);
  });

  it('duplicates: every callback twice, same SequenceNumber and idempotency token', async () => {
    const h = harness();
    h.fake.script(TO, { outcome: 'completed', press: '1', duplicate: true });
    const call = await h.client.calls.create(h.probe('dup', TO));
    await h.fake.waitForCall(call.sid, 'terminal');
    const hooks = h.receiver.of('status', 'dup');
    expect(hooks.map((w) => w.params.SequenceNumber)).toEqual(['0', '0', '1', '1', '2', '2', '3', '3']);
    const distinct = new Set(hooks.map((w) => `${w.params.CallSid}/${w.params.SequenceNumber}`));
    expect(distinct.size).toBe(4);
    expect(hooks[0]?.idempotencyToken).toBe(hooks[1]?.idempotencyToken);
    expect(hooks[0]?.idempotencyToken).not.toBe(hooks[2]?.idempotencyToken);
    expect(h.receiver.of('amd', 'dup')).toHaveLength(2);
  });

  it('out of order: the final status arrives before the earlier events', async () => {
    const h = harness();
    h.fake.script(TO, { outcome: 'no-answer', ringFor: 20_000, shuffle: true });
    const call = await h.client.calls.create(h.probe('shuffle', TO));
    await h.fake.waitForCall(call.sid, 'terminal');
    const hooks = h.receiver.of('status', 'shuffle');
    expect(hooks.map((w) => [w.params.SequenceNumber, w.params.CallStatus])).toEqual([
      ['2', 'no-answer'],
      ['1', 'ringing'],
      ['0', 'initiated'],
    ]);
  });

  it('honours StatusCallbackMethod=GET: parameters in the query, signature over the URL', async () => {
    const h = harness();
    h.fake.script(TO, { outcome: 'busy' });
    const call = await h.client.calls.create(h.probe('get', TO, { statusCallbackMethod: 'GET' }));
    await h.fake.waitForCall(call.sid, 'terminal');
    const hooks = h.receiver.of('status', 'get');
    expect(hooks.map((w) => [w.method, w.params.CallStatus])).toEqual([
      ['GET', 'initiated'],
      ['GET', 'ringing'],
      ['GET', 'busy'],
    ]);
  });

  it('only the events asked for; with none asked, only the final one', async () => {
    const h = harness();
    h.fake.script(TO, { outcome: 'busy' });
    const call = await h.client.calls.create(h.probe('final-only', TO, { statusCallbackEvent: undefined }));
    await h.fake.waitForCall(call.sid, 'terminal');
    const hooks = h.receiver.of('status', 'final-only');
    expect(hooks.map((w) => [w.params.SequenceNumber, w.params.CallStatus])).toEqual([['0', 'busy']]);
  });

  it('an unreachable webhook: one retry per callback, then the final status is only in the API', async () => {
    const h = harness();
    h.fake.script(TO, { outcome: 'busy' });
    const port = await deadPort();
    const call = await h.client.calls.create(h.probe('dead', TO, { statusCallback: `http://127.0.0.1:${port}/status/dead` }));
    await h.fake.waitForCall(call.sid, 'terminal');
    const sent = h.fake.calls.get(call.sid)?.callbacks ?? [];
    expect(sent.map((c) => [c.event, c.attempts, c.status])).toEqual([
      ['initiated', 2, null],
      ['ringing', 2, null],
      ['completed', 2, null],
    ]);
    expect(sent[0]?.error).toMatch(/ECONNREFUSED/);
    expect((await h.client.calls(call.sid).fetch()).status).toBe('busy');
  });

  it('a receiver answering 500 is recorded, not retried; a failing TwiML URL ends the call (11200)', async () => {
    const h = harness();
    h.fake.script(TO, { outcome: 'completed', press: '1' });
    h.receiver.failWith(500);
    const call = await h.client.calls.create(h.probe('err', TO));
    const state = await h.fake.waitForCall(call.sid, 'terminal');
    expect(state.callbacks.filter((c) => c.kind === 'status').map((c) => [c.status, c.attempts])).toEqual([
      [500, 1],
      [500, 1],
      [500, 1],
      [500, 1],
    ]);
    expect(state.status).toBe('completed');
    expect(state.notifications.map((n) => n.errorCode)).toEqual([11200]);
  });
});

describe('forged, replayed and rotated signatures', () => {
  it('sendCallback: a valid replay is accepted, a bad or missing signature is refused', async () => {
    const h = harness();
    h.fake.script(TO, { outcome: 'busy' });
    const call = await h.client.calls.create(h.probe('forge', TO));
    await h.fake.waitForCall(call.sid, 'terminal');

    const replay = await h.fake.sendCallback(call.sid, { CallStatus: 'busy', SequenceNumber: '2' });
    const bad = await h.fake.sendCallback(call.sid, { CallStatus: 'completed' }, { signature: 'bad' });
    const unsigned = await h.fake.sendCallback(call.sid, { CallStatus: 'completed' }, { signature: 'none' });
    h.expectedInvalidSignatures = 2;

    expect([replay.status, bad.status, unsigned.status]).toEqual([204, 403, 403]);
    expect(unsigned.signature).toBeNull();
    const received = h.receiver.of('status', 'forge').slice(-3);
    expect(received.map((w) => [w.params.CallStatus, w.params.CallSid, w.signatureValid])).toEqual([
      ['busy', call.sid, true],
      ['completed', call.sid, false],
      ['completed', call.sid, false],
    ]);
    expect(h.fake.calls.get(call.sid)?.callbacks.filter((c) => c.kind === 'manual').map((c) => c.status)).toEqual([204, 403, 403]);
  });

  it('after a token rotation webhooks are signed with the new token; the old one no longer validates', async () => {
    const h = harness();
    const oldToken = h.fake.authToken;
    h.fake.setAuthToken('ab'.repeat(16));
    const client = fakeTwilioClient(h.fake.baseUrl, h.fake.accountSid, 'ab'.repeat(16));
    h.fake.script(TO, { outcome: 'busy' });
    const call = await client.calls.create(h.probe('rotate', TO));
    await h.fake.waitForCall(call.sid, 'terminal');
    expect(h.receiver.of('status', 'rotate').every((w) => w.signatureValid)).toBe(true);

    const stale = await h.fake.sendCallback(call.sid, { CallStatus: 'busy' }, { authToken: oldToken });
    h.expectedInvalidSignatures = 1;
    expect(stale.status).toBe(403);
  });

  it('signedCallbackRequest builds a request twilio.validateRequest accepts, query string included', async () => {
    const h = harness();
    const url = `${h.receiver.baseUrl}/status/bench?attempt=1&note=a+b`;
    const params = { CallSid: 'CA' + '0'.repeat(32), CallStatus: 'completed', SequenceNumber: '3' };
    const { headers, body } = signedCallbackRequest(h.fake.authToken, url, params);
    expect(twilio.validateRequest(h.fake.authToken, headers['x-twilio-signature'] ?? '', url, params)).toBe(true);
    const res = await fetch(url, { method: 'POST', headers, body });
    expect(res.status).toBe(204);
    expect(h.receiver.of('status', 'bench')[0]?.params).toEqual(params);
  });
});

describe('controlling a live call over REST', () => {
  it('Status=canceled while ringing ends the call as canceled (487)', async () => {
    const h = harness();
    h.fake.script(TO, { outcome: 'completed', answerAfter: 25_000 });
    const call = await h.client.calls.create(h.probe('cancel', TO));
    await h.fake.waitForCall(call.sid, 'ringing');
    const updated = await h.client.calls(call.sid).update({ status: 'canceled' });
    expect(updated.status).toBe('canceled');
    const state = await h.fake.waitForCall(call.sid, 'terminal');
    expect(state.statusHistory).toEqual(['queued', 'ringing', 'canceled']);
    const final = h.receiver.of('status', 'cancel').at(-1)?.params;
    expect(final).toMatchObject({ CallStatus: 'canceled', SipResponseCode: '487', CallDuration: '0' });
  });

  it('Status=completed hangs up an answered call; canceled has no effect on it', async () => {
    const h = harness();
    h.fake.script(TO, { outcome: 'completed', press: '1' });
    const call = await h.client.calls.create(h.probe('hangup', TO));
    await h.fake.waitForCall(call.sid, 'in-progress');
    expect((await h.client.calls(call.sid).update({ status: 'canceled' })).status).toBe('in-progress');
    expect((await h.client.calls(call.sid).update({ status: 'completed' })).status).toBe('completed');
    const state = await h.fake.waitForCall(call.sid, 'terminal');
    expect(state.durationSec).not.toBeNull();
    await expect(h.client.calls(call.sid).update({ status: 'completed' })).rejects.toMatchObject({ status: 400, code: 21220 });
  });

  it('a pick-up later than Timeout is a no-answer', async () => {
    const h = harness();
    h.fake.script(TO, { outcome: 'completed', answerAfter: 40_000 });
    const call = await h.client.calls.create(h.probe('late', TO, { timeout: 15 }));
    const state = await h.fake.waitForCall(call.sid, 'terminal');
    expect([state.status, state.sipResponseCode]).toEqual(['no-answer', 487]);
  });

  it('TimeLimit hangs up a call that would go on', async () => {
    const h = harness();
    h.fake.script(TO, { outcome: 'completed', press: '1' });
    const call = await h.client.calls.create(h.probe('limit', TO, { timeLimit: 5 }));
    const state = await h.fake.waitForCall(call.sid, 'terminal');
    expect(state.status).toBe('completed');
    // Enforced on the call's virtual clock, so exact whatever the machine's speed.
    expect(state.durationSec).toBe(5);
  });
});
