// REST failures as twilio-node surfaces them (RestException status/code/moreInfo), parameter
// validation, scripted outages and hangs, and the request log used for rate assertions.

import twilio from 'twilio';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_SID, AUTH_TOKEN, FROM, useHarness } from './harness.ts';
import { fakeTwilioClient } from './test-only-base-url-client.ts';

const harness = useHarness();
const TO = '+77162780193';

function minimalCall(to = TO): { to: string; from: string; twiml: string } {
  return { to, from: FROM, twiml: '<Response><Hangup/></Response>' };
}

/** A raw form POST, for requests twilio-node refuses to build (missing To/From). */
async function rawCreate(baseUrl: string, form: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await fetch(`${baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, {
    method: 'POST',
    headers: {
      authorization: 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64'),
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: new URLSearchParams(form).toString(),
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

describe('authentication', () => {
  it('wrong credentials: RestException 401 / 20003 with Twilio error body', async () => {
    const h = harness();
    const wrong = fakeTwilioClient(h.fake.baseUrl, ACCOUNT_SID, 'not-the-token');
    const err: unknown = await wrong.calls.create(minimalCall()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(twilio.RestException);
    expect(err).toMatchObject({ status: 401, code: 20003, message: 'Authenticate', moreInfo: 'https://www.twilio.com/docs/errors/20003' });
    expect(h.fake.calls.size).toBe(0);
  });

  it('a rotated token locks out the old credentials, for every product', async () => {
    const h = harness();
    h.fake.setAuthToken('cd'.repeat(16));
    await expect(h.client.calls.create(minimalCall())).rejects.toMatchObject({ status: 401, code: 20003 });
    await expect(h.client.lookups.v2.phoneNumbers(TO).fetch()).rejects.toMatchObject({ status: 401, code: 20003 });
    const fresh = fakeTwilioClient(h.fake.baseUrl, ACCOUNT_SID, 'cd'.repeat(16));
    expect((await fresh.calls.create(minimalCall())).status).toBe('queued');
  });

  it("another account's path is refused even with valid credentials", async () => {
    const h = harness();
    const other = 'AC' + 'f'.repeat(32);
    await expect(h.client.api.v2010.accounts(other).calls.create(minimalCall())).rejects.toMatchObject({ status: 401, code: 20003 });
  });
});

describe('scripted REST failures', () => {
  it('429 / 20429 once, then the next request goes through', async () => {
    const h = harness();
    h.fake.failNext({ status: 429, code: 20429 });
    await expect(h.client.calls.create(minimalCall())).rejects.toMatchObject({ status: 429, code: 20429 });
    expect((await h.client.calls.create(minimalCall())).status).toBe('queued');
  });

  it("twilio-node's own autoRetry rides over a 429", async () => {
    const h = harness();
    const retrying = fakeTwilioClient(h.fake.baseUrl, ACCOUNT_SID, AUTH_TOKEN, { autoRetry: true, maxRetryDelay: 20 });
    h.fake.failNext({ code: 20429, operation: 'calls.create' });
    expect((await retrying.calls.create(minimalCall())).status).toBe('queued');
    expect(h.fake.requests.map((r) => r.status)).toEqual([429, 201]);
  });

  it.each([
    [21215, 400, 'geo permission'],
    [21211, 400, 'invalid To'],
    [21217, 400, 'number does not appear valid'],
    [13224, 400, 'unsupported number'],
  ])('per-number failure %i (%s)', async (code, status) => {
    const h = harness();
    h.fake.failNext({ to: TO, code, times: Infinity });
    await expect(h.client.calls.create(minimalCall())).rejects.toMatchObject({ status, code });
    await expect(h.client.calls.create(minimalCall())).rejects.toMatchObject({ status, code });
    // Other numbers are unaffected.
    expect((await h.client.calls.create(minimalCall('+77012345678'))).status).toBe('queued');
  });

  it('a scenario can refuse the create for a number (reject)', async () => {
    const h = harness();
    h.fake.script(TO, { outcome: 'completed', reject: { code: 21215 } });
    await expect(h.client.calls.create(minimalCall())).rejects.toMatchObject({ status: 400, code: 21215 });
  });

  it('provider outage: 503 JSON, then an HTML 502 from the edge', async () => {
    const h = harness();
    h.fake.failNext({ status: 503 });
    h.fake.failNext({ status: 502, rawBody: '<html><body>502 Bad Gateway</body></html>' });
    await expect(h.client.calls.create(minimalCall())).rejects.toMatchObject({ status: 503, code: 20503 });
    const html: unknown = await h.client.calls.create(minimalCall()).catch((e: unknown) => e);
    expect(html).toBeInstanceOf(twilio.RestException);
    // Not JSON: twilio-node falls back to "[HTTP 502] Failed to execute request" and no code.
    expect(html).toMatchObject({ status: 502, message: '[HTTP 502] Failed to execute request' });
    expect((html as { code?: unknown }).code).toBeUndefined();
  });

  it('a hang: the request is never answered and the client times out', async () => {
    const h = harness();
    const impatient = fakeTwilioClient(h.fake.baseUrl, ACCOUNT_SID, AUTH_TOKEN, { timeout: 150 });
    h.fake.failNext({ hang: true });
    await expect(impatient.calls.create(minimalCall())).rejects.toMatchObject({ code: 'ECONNABORTED' });
    expect(h.fake.requests[0]?.status).toBeNull();
  });

  it('failures can target one operation (fetch during an outage)', async () => {
    const h = harness();
    const call = await h.client.calls.create(minimalCall());
    h.fake.failNext({ operation: 'calls.fetch', status: 500 });
    await expect(h.client.calls(call.sid).fetch()).rejects.toMatchObject({ status: 500, code: 20500 });
    expect((await h.client.calls(call.sid).fetch()).sid).toBe(call.sid);
  });
});

describe('validation, as in the spec', () => {
  it('To, From and Url/Twiml are required; To must be E.164', async () => {
    const h = harness();
    const url = 'http://127.0.0.1:9/twiml';
    expect(await rawCreate(h.fake.baseUrl, { From: FROM, Url: url })).toMatchObject({ status: 400, body: { code: 21201, status: 400 } });
    expect(await rawCreate(h.fake.baseUrl, { To: TO, Url: url })).toMatchObject({ status: 400, body: { code: 21213 } });
    expect(await rawCreate(h.fake.baseUrl, { To: TO, From: FROM })).toMatchObject({ status: 400, body: { code: 21205 } });
    expect(await rawCreate(h.fake.baseUrl, { To: TO, From: FROM, Url: 'not a url' })).toMatchObject({ status: 400, body: { code: 21205 } });
    await expect(h.client.calls.create({ ...minimalCall(), to: '8 7162 780193' })).rejects.toMatchObject({ status: 400, code: 21211 });
  });

  it('unknown sids are 404 / 20404, unknown paths too', async () => {
    const h = harness();
    await expect(h.client.calls('CA' + '1'.repeat(32)).fetch()).rejects.toMatchObject({ status: 404, code: 20404 });
    const res = await fetch(`${h.fake.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Queues.json`, {
      headers: { authorization: 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64') },
    });
    expect(res.status).toBe(404);
  });
});

describe('request log', () => {
  it('records method, path, params (repeated keys as arrays) and arrival time', async () => {
    const h = harness();
    const hooks = 'http://127.0.0.1:9';
    const before = Date.now();
    await h.client.calls.create({
      ...minimalCall(),
      statusCallback: `${hooks}/status`,
      statusCallbackEvent: ['initiated', 'ringing', 'answered', 'completed'],
    });
    const [req] = h.fake.requests;
    expect(req).toMatchObject({ method: 'POST', path: `/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, operation: 'calls.create', status: 201 });
    expect(req?.params.StatusCallbackEvent).toEqual(['initiated', 'ringing', 'answered', 'completed']);
    // Stamped on arrival: between the call and its return, however long the machine took.
    expect(req?.at).toBeGreaterThanOrEqual(before);
    expect(req?.at).toBeLessThanOrEqual(Date.now());
  });

  it('supports calls-per-second assertions', async () => {
    const h = harness();
    for (let i = 0; i < 3; i++) {
      await h.client.calls.create(minimalCall());
      await new Promise((resolve) => setTimeout(resolve, 60));
    }
    const times = h.fake.requests.filter((r) => r.operation === 'calls.create').map((r) => r.at);
    const gaps = times.slice(1).map((t, i) => t - (times[i] ?? t));
    expect(gaps.every((gap) => gap >= 50)).toBe(true);
  });
});
