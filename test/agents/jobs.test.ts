// A channel's jobs across vantage points (src/agents/jobs.ts), pure: the central's job ids are exactly
// those of before vantage points; a short code is never the central's and has no lookup; a channel
// none of whose jobs can run names what is missing, and the central lacking telephony keeps today's words.

import { expect, test } from 'vitest';
import { jobIdOf, jobsOf, parseJobId, planChannel, SHORT_CODE_NO_METHOD, vantageOf } from '../../src/agents/jobs.ts';
import { NOT_CONFIGURED_REASON } from '../../src/status/probeability.ts';

const DEFAULTS = { website: ['central'], phone: ['central', 'kz'] };
const site = { id: 'a--web-x', type: 'website' as const, target: 'https://x.kz/', options: {} };
const phone = { id: 'a--phone-77172000101', type: 'phone' as const, target: '+77172000101', options: {} };
const short = { id: 'a--phone-114', type: 'phone' as const, target: '114', options: { vantage: ['central', 'kz'] } };

test("job ids: the central's as before, other points' with @point, and back", () => {
  expect(jobIdOf('a--web-x', 'http', 'central')).toBe('a--web-x#http');
  expect(jobIdOf('a--web-x', 'http', 'kz')).toBe('a--web-x#http@kz');
  expect(parseJobId('a--web-x#http')).toEqual({ channelId: 'a--web-x', method: 'http', point: 'central' });
  expect(parseJobId('a--web-x#call@kz-south')).toEqual({ channelId: 'a--web-x', method: 'call', point: 'kz-south' });
});

test("a channel's points: its registry list, else the defaults of its type", () => {
  expect(vantageOf(site, DEFAULTS)).toEqual(['central']);
  expect(vantageOf(phone, DEFAULTS)).toEqual(['central', 'kz']);
  expect(vantageOf({ ...site, options: { vantage: ['kz'] } }, DEFAULTS)).toEqual(['kz']);
});

test('one job per method and point; none without a target; a short code only dialled, only from a point', () => {
  expect(jobsOf(phone, ['lookup', 'call'], ['central', 'kz']).map((j) => j.jobId)).toEqual([
    'a--phone-77172000101#lookup',
    'a--phone-77172000101#call',
    'a--phone-77172000101#lookup@kz',
    'a--phone-77172000101#call@kz',
  ]);
  expect(jobsOf({ ...site, target: null }, ['http'], ['central', 'kz'])).toEqual([]);
  expect(jobsOf(short, ['lookup', 'call'], ['central', 'kz'])).toEqual([{ jobId: 'a--phone-114#call@kz', channelId: 'a--phone-114', method: 'call', point: 'kz' }]);
});

test('what is missing when no job can run, and nothing when one can', () => {
  const none = new Map<string, Set<string>>();
  const web = new Map([['kz', new Set(['website'])]]);
  const all = new Map([['kz', new Set(['website', 'twilio', 'short_codes'])]]);
  const noPhones = (m: string) => m === 'http';
  // Central only, without telephony: today's reason exactly (the writer keeps its default wording).
  expect(planChannel(phone, ['lookup', 'call'], { website: ['central'], phone: ['central'] }, noPhones, none)).toEqual({ runnable: [], notProbed: {} });
  expect(NOT_CONFIGURED_REASON).toBe('not probed: telephony not configured');
  // Central without telephony and a point whose agent cannot call: both named, once each.
  expect(planChannel(phone, ['lookup', 'call'], DEFAULTS, noPhones, web).notProbed).toEqual({
    reason: 'not probed: telephony not configured; no agent of kz has the twilio capability',
  });
  expect(planChannel(short, ['call'], DEFAULTS, noPhones, none).notProbed).toEqual({ reason: 'not probed: no agent of kz is enrolled' });
  const able = planChannel(short, ['call'], DEFAULTS, noPhones, all);
  expect(able).toEqual({ runnable: [{ jobId: 'a--phone-114#call@kz', channelId: 'a--phone-114', method: 'call', point: 'kz' }], notProbed: null });
  expect(planChannel(short, ['lookup'], DEFAULTS, noPhones, all)).toEqual({ runnable: [], notProbed: { reason: SHORT_CODE_NO_METHOD } });
  // One runnable job is enough: the website is probed by the central although kz has no agent.
  expect(planChannel({ ...site, options: { vantage: ['central', 'kz'] } }, ['http'], DEFAULTS, noPhones, none)).toEqual({
    runnable: [{ jobId: 'a--web-x#http', channelId: 'a--web-x', method: 'http', point: 'central' }],
    notProbed: null,
  });
  // A channel probed by hand only has no job and is not "not probed" for want of one.
  expect(planChannel(site, [], DEFAULTS, noPhones, none)).toEqual({ runnable: [], notProbed: null });
});
