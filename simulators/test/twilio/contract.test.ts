// The fake's raw JSON against Twilio's own OpenAPI specs (twilio-oai, copied to /work/shared):
// every schema property present, types, enums, SID patterns, RFC 2822 dates, nullability.
// Skipped where the spec copy is not available.

import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ACCOUNT_SID, AUTH_TOKEN, FROM, useHarness } from './harness.ts';
import { check, loadSpec } from './oai-schema.ts';

const SPEC_DIR = '/work/shared/twilio-oai';
const API_SPEC = `${SPEC_DIR}/twilio_api_v2010.json`;
const LOOKUP_SPEC = `${SPEC_DIR}/twilio_lookups_v2.json`;
const ACCOUNT = '/2010-04-01/Accounts/{AccountSid}';

const harness = useHarness();
const auth = { authorization: 'Basic ' + Buffer.from(`${ACCOUNT_SID}:${AUTH_TOKEN}`).toString('base64') };

async function raw(path: string, form?: Record<string, string>): Promise<{ status: number; json: unknown }> {
  const res = await fetch(harness().fake.baseUrl + path, {
    method: form === undefined ? 'GET' : 'POST',
    headers: form === undefined ? auth : { ...auth, 'content-type': 'application/x-www-form-urlencoded' },
    ...(form === undefined ? {} : { body: new URLSearchParams(form).toString() }),
  });
  return { status: res.status, json: await res.json() };
}

describe.skipIf(!existsSync(API_SPEC) || !existsSync(LOOKUP_SPEC))('responses match twilio-oai', () => {
  const api = existsSync(API_SPEC) ? loadSpec(API_SPEC) : undefined;
  const lookups = existsSync(LOOKUP_SPEC) ? loadSpec(LOOKUP_SPEC) : undefined;

  it('api.v2010.account.call: created, in progress and finished', async () => {
    const spec = api!; // skipIf guarantees the file exists
    const h = harness();
    h.fake.script('+77162780193', { outcome: 'completed', errorCode: 13224 });
    const twiml = '<Response><Say>Проверка</Say><Hangup/></Response>';
    const created = await raw(`/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, { To: '+77162780193', From: FROM, Twiml: twiml });
    expect(created.status).toBe(201);
    const schema = spec.schema('api.v2010.account.call');
    expect(check(spec, schema, created.json, spec.nullInExamples(`${ACCOUNT}/Calls.json`, 'post', '201'))).toEqual([]);
    const sid = (created.json as { sid: string }).sid;
    await h.fake.waitForCall(sid, 'terminal');
    const fetched = await raw(`/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${sid}.json`);
    expect(check(spec, schema, fetched.json)).toEqual([]);
    expect(fetched.json).toMatchObject({ status: 'completed', duration: expect.stringMatching(/^\d+$/) });

    const list = await raw(`/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`);
    const listSchema = { $ref: '#/components/schemas/api.v2010.account.call' };
    const calls = (list.json as { calls: unknown[] }).calls;
    expect(calls).toHaveLength(1);
    expect(check(spec, listSchema, calls[0])).toEqual([]);

    const notifications = await raw(`/2010-04-01/Accounts/${ACCOUNT_SID}/Calls/${sid}/Notifications.json`);
    const items = (notifications.json as { notifications: unknown[] }).notifications;
    expect(items).toHaveLength(1);
    expect(check(spec, spec.schema('api.v2010.account.call.call_notification'), items[0])).toEqual([]);
  });

  it('api.v2010.account.message', async () => {
    const spec = api!; // skipIf guarantees the file exists
    const h = harness();
    const created = await raw(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages.json`, { To: '+77012345678', From: FROM, Body: 'hello' });
    expect(created.status).toBe(201);
    const schema = spec.schema('api.v2010.account.message');
    expect(check(spec, schema, created.json, spec.nullInExamples(`${ACCOUNT}/Messages.json`, 'post', '201'))).toEqual([]);
    const sid = (created.json as { sid: string }).sid;
    await h.fake.waitForMessage(sid, 'delivered');
    const fetched = await raw(`/2010-04-01/Accounts/${ACCOUNT_SID}/Messages/${sid}.json`);
    expect(check(spec, schema, fetched.json, spec.nullInExamples(`${ACCOUNT}/Messages.json`, 'post', '201'))).toEqual([]);
  });

  it('Lookup v2 LookupResponse, valid and invalid', async () => {
    const spec = lookups!; // skipIf guarantees the file exists
    const nulls = spec.nullInExamples('/v2/PhoneNumbers/{PhoneNumber}', 'get', '200');
    // The nested Lookup schemas mark nothing nullable, and no example shows a landline: a fixed
    // line has no mobile network codes, and an unsupported line_status has only an error_code.
    for (const name of ['mobile_country_code', 'mobile_network_code', 'status']) nulls.add(name);
    for (const number of ['+77012345678', '+77162780193', '+7716278019', '+76123456789']) {
      const res = await raw(`/v2/PhoneNumbers/${number}?Fields=line_type_intelligence,line_status`);
      expect(res.status).toBe(200);
      expect(check(spec, spec.schema('LookupResponse'), res.json, nulls), number).toEqual([]);
    }
  });

  it("errors carry exactly the fields twilio-node's RestException reads", async () => {
    const res = await fetch(`${harness().fake.baseUrl}/2010-04-01/Accounts/${ACCOUNT_SID}/Calls.json`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({ code: 20003, message: 'Authenticate', more_info: 'https://www.twilio.com/docs/errors/20003', status: 401 });
  });
});
