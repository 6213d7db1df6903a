// Lookup v2 and SMS through the real twilio client.

import { describe, expect, it } from 'vitest';
import { FROM, useHarness } from './harness.ts';

const harness = useHarness();

describe('Lookup v2', () => {
  it('a KZ mobile: valid, with line type and carrier', async () => {
    const h = harness();
    const result = await h.client.lookups.v2.phoneNumbers('+77012345678').fetch({ fields: 'line_type_intelligence' });
    expect(result).toMatchObject({
      callingCountryCode: '7',
      countryCode: 'KZ',
      phoneNumber: '+77012345678',
      nationalFormat: '8 (701) 234 5678',
      valid: true,
      validationErrors: null,
      lineTypeIntelligence: { type: 'mobile', carrierName: 'Kcell', mobileCountryCode: '401', mobileNetworkCode: '02', errorCode: null },
    });
    expect(h.fake.requests[0]).toMatchObject({ operation: 'lookups.fetch', path: '/v2/PhoneNumbers/+77012345678', query: { Fields: 'line_type_intelligence' } });
  });

  it('a KZ landline (area code 7162)', async () => {
    const h = harness();
    const result = await h.client.lookups.v2.phoneNumbers('+77162780193').fetch({ fields: 'line_type_intelligence,line_status' });
    expect(result.valid).toBe(true);
    expect(result.lineTypeIntelligence).toMatchObject({ type: 'landline', carrierName: 'Kazakhtelecom' });
    // Line status is mobile-only HLR data.
    expect(result.lineStatus).toMatchObject({ status: null, errorCode: 60607 });
  });

  it('an invalid number: valid=false with the reason, no line type', async () => {
    const h = harness();
    const result = await h.client.lookups.v2.phoneNumbers('+7716278019').fetch({ fields: 'line_type_intelligence' });
    expect(result).toMatchObject({ valid: false, validationErrors: ['TOO_SHORT'], countryCode: null, lineTypeIntelligence: null });
  });

  it('scripted: a number reported invalid, and one reported as an inactive landline', async () => {
    const h = harness();
    h.fake.scriptLookup('+77012345678', { valid: false, validationErrors: ['INVALID_BUT_POSSIBLE'] });
    h.fake.scriptLookup('+77771234567', { lineType: 'landline', carrierName: 'Beeline KZ', lineStatus: 'inactive' });
    const invalid = await h.client.lookups.v2.phoneNumbers('+77012345678').fetch({ fields: 'line_type_intelligence' });
    expect(invalid).toMatchObject({ valid: false, validationErrors: ['INVALID_BUT_POSSIBLE'], lineTypeIntelligence: null });
    const changed = await h.client.lookups.v2.phoneNumbers('+77771234567').fetch({ fields: 'line_type_intelligence,line_status' });
    expect(changed.lineTypeIntelligence).toMatchObject({ type: 'landline', carrierName: 'Beeline KZ' });
    expect(changed.lineStatus).toMatchObject({ status: 'inactive', errorCode: null });
  });

  it('a national-format number with CountryCode=KZ comes back in E.164', async () => {
    const h = harness();
    const result = await h.client.lookups.v2.phoneNumbers('87012345678').fetch({ countryCode: 'KZ' });
    expect(result).toMatchObject({ valid: true, phoneNumber: '+77012345678', countryCode: 'KZ', lineTypeIntelligence: null });
  });

  it('an unknown field is a 400', async () => {
    const h = harness();
    await expect(h.client.lookups.v2.phoneNumbers('+77012345678').fetch({ fields: 'horoscope' })).rejects.toMatchObject({ status: 400, code: 60200 });
  });
});

describe('SMS', () => {
  it('create → queued, then sent and delivered with status callbacks; the body is recorded', async () => {
    const h = harness();
    const body = 'Проверка справочника: ваш центр указан как 8 (7162) 78 01 93. Ответьте СТОП, чтобы отписаться.';
    const message = await h.client.messages.create({
      to: '+77012345678',
      from: FROM,
      body,
      statusCallback: `${h.receiver.baseUrl}/sms/m1`,
    });
    expect(message).toMatchObject({ status: 'queued', body, numSegments: '2', direction: 'outbound-api', errorCode: null });
    expect(message.sid).toMatch(/^SM[0-9a-f]{32}$/);
    const state = await h.fake.waitForMessage(message.sid, 'delivered');
    expect(state.body).toBe(body);
    expect(h.receiver.of('sms', 'm1').map((w) => w.params.MessageStatus)).toEqual(['sent', 'delivered']);
    expect((await h.client.messages(message.sid).fetch()).status).toBe('delivered');
  });

  it('undelivered with an error code', async () => {
    const h = harness();
    h.fake.scriptSms('+77012345678', { outcome: 'undelivered', errorCode: 30003 });
    const message = await h.client.messages.create({ to: '+77012345678', from: FROM, body: 'hi', statusCallback: `${h.receiver.baseUrl}/sms/m2` });
    await h.fake.waitForMessage(message.sid, 'undelivered');
    expect(h.receiver.of('sms', 'm2').at(-1)?.params).toMatchObject({ MessageStatus: 'undelivered', ErrorCode: '30003' });
    expect(await h.client.messages(message.sid).fetch()).toMatchObject({ errorCode: 30003 });
  });

  it('refused at create: 21211 invalid To, 21610 unsubscribed', async () => {
    const h = harness();
    h.fake.scriptSms('+77012345678', { reject: { code: 21610 } });
    await expect(h.client.messages.create({ to: 'not-a-number', from: FROM, body: 'hi' })).rejects.toMatchObject({ status: 400, code: 21211 });
    await expect(h.client.messages.create({ to: '+77012345678', from: FROM, body: 'hi' })).rejects.toMatchObject({ status: 400, code: 21610 });
    expect(h.fake.messages.size).toBe(0);
  });
});
