// What Twilio keeps about a call when its callbacks did not reach us: the Events log (every request
// made for the call, with snake_case parameters) and the Notifications, read through the real twilio
// client, and shaped as twilio-oai says. Also the fake's fault switches: callbacks withheld fake-wide
// and REST requests held back in flight.

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_SID, AUTH_TOKEN, FROM, useHarness } from './harness.ts';
import { check, loadSpec, type JsonSchema } from './oai-schema.ts';

const API_SPEC = '/work/shared/twilio-oai/twilio_api_v2010.json';
const TO = '+77162780193';
const harness = useHarness();

interface EventRequest {
  method: string;
  url: string;
  parameters: Record<string, string>;
}

async function failedCall(id: string, scenario: Parameters<ReturnType<typeof harness>['fake']['script']>[1]) {
  const h = harness();
  h.fake.script(TO, scenario);
  const created = await h.client.calls.create(h.probe(id, TO));
  await h.fake.waitForCall(created.sid, 'terminal');
  return created.sid;
}

describe('Calls/{Sid}/Events.json', () => {
  it('lists the create request and every callback, the withheld final one with its SIP code and no response', async () => {
    const h = harness();
    const sid = await failedCall('e503', { outcome: 'failed', sipResponseCode: 503, errorCode: 32011, dropCallbacks: ['completed'] });
    expect(h.receiver.of('status', 'e503').map((w) => w.params.CallStatus)).toEqual(['initiated']);
    const events = await h.client.calls(sid).events.list();
    const requests = events.map((e) => e.request as EventRequest);
    expect(requests[0]).toMatchObject({ method: 'POST', url: `https://api.twilio.com/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json` });
    expect(requests[0]?.parameters).toMatchObject({ to: TO, from: FROM, status_callback_event: 'initiated ringing answered completed' });
    expect(events[0]?.response).toMatchObject({ response_code: 201, content_type: 'application/json' });
    const final = events.find((e) => (e.request as EventRequest).parameters.call_status === 'failed');
    expect((final?.request as EventRequest).parameters).toMatchObject({ call_sid: sid, sip_response_code: '503', error_code: '32011', sequence_number: '1' });
    expect(final?.response).toBeNull();
    const delivered = events.find((e) => (e.request as EventRequest).parameters.call_status === 'initiated');
    expect(delivered?.response).toMatchObject({ response_code: 204, request_duration: expect.any(Number) });
    const notes = await h.client.calls(sid).notifications.list();
    expect(notes.map((n) => n.errorCode)).toEqual(['32011']);
  });

  it('is empty until the configured time after the call ended has passed', async () => {
    const h = harness();
    const sid = await failedCall('late', { outcome: 'failed', sipResponseCode: 404, eventsDelayMs: 15 * 60_000 });
    expect(await h.client.calls(sid).events.list()).toEqual([]);
    expect((await h.client.calls(sid).fetch()).status).toBe('failed');
  });

  it('suppressCallbacks withholds the final callback of every call until lifted', async () => {
    const h = harness();
    h.fake.suppressCallbacks(['completed']);
    await failedCall('off1', { outcome: 'failed', sipResponseCode: 480 });
    expect(h.receiver.of('status', 'off1').map((w) => w.params.CallStatus)).toEqual(['initiated']);
    h.fake.suppressCallbacks([]);
    await failedCall('off2', { outcome: 'failed', sipResponseCode: 480 });
    expect(h.receiver.of('status', 'off2').map((w) => w.params.CallStatus)).toEqual(['initiated', 'failed']);
  });

  it.skipIf(!existsSync(API_SPEC))('the page and its events match twilio-oai', async () => {
    const spec = loadSpec(API_SPEC);
    const sid = await failedCall('oai', { outcome: 'failed', sipResponseCode: 404, dropCallbacks: ['completed'] });
    const auth = { authorization: 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64') };
    const res = await fetch(`${harness().fake.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${sid}/Events.json`, { headers: auth });
    expect(res.status).toBe(200);
    const page = (await res.json()) as { events: unknown[] };
    const path = '/2010-04-01/Accounts/{AccountSid}/Calls/{CallSid}/Events.json';
    const pageSchema = spec.doc.paths[path]?.get?.responses?.['200']?.content?.['application/json']?.schema as JsonSchema;
    expect(check(spec, pageSchema, page)).toEqual([]);
    expect(page.events.length).toBeGreaterThanOrEqual(3);
    for (const event of page.events) expect(check(spec, spec.schema('api.v2010.account.call.call_event'), event)).toEqual([]);
  });
});

describe('delayNext', () => {
  it('logs a held-back create at its late arrival and answers it only then', async () => {
    const h = harness();
    h.fake.delayNext({ operation: 'calls.create', ms: 200 });
    const sent = Date.now();
    const created = await h.client.calls.create(h.probe('slow', TO));
    const answered = Date.now();
    const arrival = h.fake.requests.find((r) => r.operation === 'calls.create')?.at ?? 0;
    expect(arrival - sent).toBeGreaterThanOrEqual(200);
    expect(answered).toBeGreaterThanOrEqual(arrival);
    await h.fake.waitForCall(created.sid, 'terminal');
    // Used up: the next create is not held.
    h.fake.script('+77012345678', { outcome: 'busy' });
    const sentAgain = Date.now();
    await h.client.calls.create(h.probe('fast', '+77012345678'));
    const creates = h.fake.requests.filter((r) => r.operation === 'calls.create');
    expect(creates).toHaveLength(2);
    expect((creates[1]?.at ?? Infinity) - sentAgain).toBeLessThan(200);
  });
});
