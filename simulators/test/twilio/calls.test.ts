// Call outcomes end to end: the real twilio client creates calls on the fake, the fake plays each
// scripted destination, and the receiver checks every webhook signature and serves the IVR.

import { describe, expect, it } from 'vitest';
import type { CallScenario } from '../../twilio/fake-twilio.ts';
import { useHarness } from './harness.ts';
import type { ReceivedWebhook } from './receiver.ts';

const KZ_LANDLINE = '+77162780193';
const KZ_MOBILE = '+77012345678';

const harness = useHarness();

/** Creates a probe call to a scripted number and waits until every callback has been answered. */
async function probe(id: string, scenario: CallScenario, to = KZ_LANDLINE) {
  const h = harness();
  h.fake.script(to, scenario);
  const created = await h.client.calls.create(h.probe(id, to));
  expect(created.status).toBe('queued');
  await h.fake.waitForCall(created.sid, 'terminal');
  const fetched = await h.client.calls(created.sid).fetch();
  return { sid: created.sid, fetched, status: h.receiver.of('status', id), ivr: h.receiver.of('ivr', id), amd: h.receiver.of('amd', id) };
}

const fields = (hooks: ReceivedWebhook[], name: string): (string | undefined)[] => hooks.map((w) => w.params[name]);
const last = (hooks: ReceivedWebhook[]): ReceivedWebhook => {
  const hook = hooks.at(-1);
  if (hook === undefined) throw new Error('no webhook received');
  return hook;
};

describe('calls that are not answered', () => {
  it('busy: 486, no duration, no TwiML request', async () => {
    const r = await probe('busy', { outcome: 'busy' });
    expect(fields(r.status, 'CallStatus')).toEqual(['initiated', 'ringing', 'busy']);
    expect(fields(r.status, 'SequenceNumber')).toEqual(['0', '1', '2']);
    expect(last(r.status).params).toMatchObject({ SipResponseCode: '486', CallDuration: '0', Duration: '0', CallbackSource: 'call-progress-events' });
    expect(r.fetched).toMatchObject({ status: 'busy', duration: null, answeredBy: null });
    expect(r.ivr).toEqual([]);
  });

  it('no answer: 487 after the Timeout the create asked for', async () => {
    const r = await probe('noanswer', { outcome: 'no-answer' });
    expect(fields(r.status, 'CallStatus')).toEqual(['initiated', 'ringing', 'no-answer']);
    expect(last(r.status).params).toMatchObject({ SipResponseCode: '487', CallDuration: '0' });
    // Virtual time: Timeout=30 s of ringing, reported unscaled even though the test took ~0.3 s.
    const started = Date.parse(r.status[0]?.params.Timestamp ?? '');
    const ended = Date.parse(last(r.status).params.Timestamp ?? '');
    expect((ended - started) / 1000).toBeGreaterThanOrEqual(29);
    expect((ended - started) / 1000).toBeLessThanOrEqual(31);
    expect(r.fetched.status).toBe('no-answer');
  });

  it('failed 404 (unallocated): no ringing', async () => {
    const r = await probe('f404', { outcome: 'failed' });
    expect(fields(r.status, 'CallStatus')).toEqual(['initiated', 'failed']);
    expect(last(r.status).params.SipResponseCode).toBe('404');
    expect(r.fetched.status).toBe('failed');
  });

  it('failed 480 (handset off)', async () => {
    const r = await probe('f480', { outcome: 'failed', sipResponseCode: 480, ring: 100 });
    expect(fields(r.status, 'CallStatus')).toEqual(['initiated', 'ringing', 'failed']);
    expect(last(r.status).params.SipResponseCode).toBe('480');
  });

  it('failed 13224: ErrorCode on the final callback and in the call notifications', async () => {
    const r = await probe('f13224', { outcome: 'failed', errorCode: 13224, sipResponseCode: 404 });
    expect(last(r.status).params).toMatchObject({ CallStatus: 'failed', ErrorCode: '13224', SipResponseCode: '404' });
    const notifications = await harness().client.calls(r.sid).notifications.list();
    expect(notifications.map((n) => n.errorCode)).toEqual(['13224']);
  });
});

describe('answered calls and the IVR', () => {
  it.each(['1', '2', '3', '9'])('a person presses %s', async (key) => {
    const r = await probe(`key${key}`, { outcome: 'completed', press: key }, KZ_MOBILE);
    expect(fields(r.status, 'CallStatus')).toEqual(['initiated', 'ringing', 'in-progress', 'completed']);
    expect(r.ivr.map((w) => [w.step, w.params.Digits])).toEqual([
      [null, undefined],
      ['answer', key],
    ]);
    // The TwiML requests carry the live call status and the query string of the action URL.
    expect(r.ivr[1]?.params.CallStatus).toBe('in-progress');
    expect(r.ivr[1]?.url).toContain('?step=answer&lang=ru');
    expect(fields(r.amd, 'AnsweredBy')).toEqual(['human']);
    const final = last(r.status).params;
    expect(final).toMatchObject({ SipResponseCode: '200', AnsweredBy: 'human' });
    // The prompt alone is ~13 s of speech: long enough for Twilio's "under 12 s" rule.
    expect(Number(final.CallDuration)).toBeGreaterThan(12);
    expect(r.fetched).toMatchObject({ status: 'completed', answeredBy: 'human', duration: final.CallDuration });
    expect(harness().fake.calls.get(r.sid)?.inputs).toEqual([key]);
  });

  it('a person presses 4 and leaves the new number as a recording', async () => {
    const recording = { url: 'https://api.twilio.com/2010-04-01/Accounts/AC/Recordings/RE1', durationSec: 7 };
    const r = await probe('key4', { outcome: 'completed', press: '4', recording });
    expect(r.ivr.map((w) => w.step)).toEqual([null, 'answer', 'recorded']);
    expect(r.ivr[2]?.params).toMatchObject({ RecordingUrl: recording.url, RecordingDuration: '7' });
    expect(r.ivr[2]?.params.RecordingSid).toMatch(/^RE[0-9a-f]{32}$/);
    const [status] = harness().receiver.of('recording', 'key4');
    expect(status?.params).toMatchObject({ RecordingStatus: 'completed', RecordingUrl: recording.url, CallSid: r.sid });
    expect(r.fetched.status).toBe('completed');
  });

  it('voicemail: AMD says machine_start, the Gather hears nothing', async () => {
    const r = await probe('vm', { outcome: 'completed', answeredBy: 'machine_start' });
    expect(r.amd.map((w) => w.params)).toEqual([
      expect.objectContaining({ AnsweredBy: 'machine_start', MachineDetectionDuration: '2500', CallSid: r.sid }),
    ]);
    // actionOnEmptyResult="true": the action is requested without Digits.
    expect(r.ivr.map((w) => [w.step, w.params.Digits])).toEqual([
      [null, undefined],
      ['answer', undefined],
    ]);
    expect(last(r.status).params.AnsweredBy).toBe('machine_start');
    expect(r.fetched.answeredBy).toBe('machine_start');
  });

  it('answered and silent: a human who never keys anything', async () => {
    const r = await probe('silent', { outcome: 'completed', press: null });
    expect(r.ivr[1]?.params.Digits).toBeUndefined();
    expect(r.ivr[1]?.params.SpeechResult).toBeUndefined();
    expect(last(r.status).params).toMatchObject({ CallStatus: 'completed', AnsweredBy: 'human' });
  });

  it('speech instead of keys', async () => {
    const r = await probe('speech', { outcome: 'completed', speech: 'да, это центр', speechConfidence: 0.8 });
    expect(r.ivr[1]?.params).toMatchObject({ SpeechResult: 'да, это центр', Confidence: '0.8' });
  });

  it('synchronous AMD puts AnsweredBy on the TwiML request instead of a separate callback', async () => {
    const h = harness();
    h.fake.script(KZ_MOBILE, { outcome: 'completed', answeredBy: 'fax' });
    const call = await h.client.calls.create(h.probe('sync', KZ_MOBILE, { asyncAmd: 'false' }));
    await h.fake.waitForCall(call.sid, 'terminal');
    expect(h.receiver.of('ivr', 'sync')[0]?.params.AnsweredBy).toBe('fax');
    expect(h.receiver.of('amd', 'sync')).toEqual([]);
  });

  it('unscripted numbers are answered by a silent human', async () => {
    const h = harness();
    const call = await h.client.calls.create(h.probe('default', '+77272123456'));
    const state = await h.fake.waitForCall(call.sid, 'completed');
    expect(state.answeredBy).toBe('human');
  });
});
