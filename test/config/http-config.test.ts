// The http section's security keys: defaults, valid values, and errors that name the file, line and key.

import { writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, expect, test } from 'vitest';
import { ConfigError, DEFAULT_CONFIG_FILE, loadConfig } from '../../src/config/config.ts';
import { tempDir } from '../helpers/tmp.ts';

const t = tempDir();
afterAll(t.remove);

function load(yaml: string): { problems: string[]; http?: ReturnType<typeof loadConfig>['http'] } {
  const file = path.join(t.dir, `c-${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, yaml);
  try {
    return { problems: [], http: loadConfig({}, file).http };
  } catch (err) {
    if (err instanceof ConfigError) return { problems: err.problems.map((p) => p.replace(file, 'FILE')) };
    throw err;
  }
}

test('defaults, also in the shipped file: no CORS, 600 requests a minute, 64 KB bodies', () => {
  const expected = { corsOrigins: [], rateLimit: { max: 600, windowMs: 60_000 }, bodyLimit: 65_536 };
  expect(load('http: {port: 8081}\n').http).toMatchObject(expected);
  expect(loadConfig({}, DEFAULT_CONFIG_FILE).http).toMatchObject(expected);
});

test('valid settings', () => {
  expect(load('http:\n  cors_origins: [https://board.example.kz, "http://127.0.0.1:3000"]\n  rate_limit: {max: 0, window: 10s}\n  body_limit: 1048576\n').http).toMatchObject({
    corsOrigins: ['https://board.example.kz', 'http://127.0.0.1:3000'],
    rateLimit: { max: 0, windowMs: 10_000 },
    bodyLimit: 1_048_576,
  });
  expect(load('http: {cors_origins: "*"}\n').http?.corsOrigins).toBe('*');
  expect(load('http: {rate_limit: {max: 100}}\n').http?.rateLimit).toEqual({ max: 100, windowMs: 60_000 });
});

test('each problem names the line and the key', () => {
  const { problems } = load(`http:
  cors_origins:
    - https://board.example.kz/
    - board.example.kz
    - "*"
  rate_limit:
    max: -1
    window: soon
    burst: 10
  body_limit: 10
  bodylimit: 5
`);
  expect(problems).toEqual([
    'FILE:11 http.bodylimit: unknown key "bodylimit" in http; known keys are host, port, cors_origins, rate_limit, body_limit.',
    'FILE:3 http.cors_origins.0: "https://board.example.kz/" is not an origin like https://board.example.kz (scheme, host and optional port; no path or trailing slash).',
    'FILE:4 http.cors_origins.1: "board.example.kz" is not an origin like https://board.example.kz (scheme, host and optional port; no path or trailing slash).',
    'FILE:5 http.cors_origins.2: "*" allows any origin; write cors_origins: "*" instead of a list.',
    'FILE:9 http.rate_limit.burst: unknown key "burst" in http.rate_limit; known keys are max, window.',
    'FILE:7 http.rate_limit.max: must be a whole number of requests from 0 (no limit) to 1000000, not -1.',
    'FILE:8 http.rate_limit.window: must be a duration like "1m" or "10s", not "soon".',
    'FILE:10 http.body_limit: must be a whole number from 1024 to 104857600, not 10.',
  ]);
  expect(load('http: {cors_origins: https://a.kz, rate_limit: 600}\n').problems).toEqual([
    'FILE:1 http.cors_origins: must be a list of origins such as https://board.example.kz, or "*" for any.',
    'FILE:1 http.rate_limit: must be {max: requests, window: duration}, e.g. {max: 600, window: 1m}; max 0 turns it off.',
  ]);
});

test('REACHWATCH_TWILIO_TIMEOUT: a typo stops the daemon with a sentence instead of switching telephony off', () => {
  const file = path.join(t.dir, 'twilio-timeout.yaml');
  writeFileSync(file, 'http: {port: 8081}\n');
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig(env, file);
      return [];
    } catch (err) {
      if (err instanceof ConfigError) return err.problems;
      throw err;
    }
  };
  expect(problems({ REACHWATCH_TWILIO_TIMEOUT: '20s' })).toEqual([]);
  expect(problems({ REACHWATCH_TWILIO_TIMEOUT: '15 sec' })).toEqual(['REACHWATCH_TWILIO_TIMEOUT: must be a duration from 1s to 10m like "30s", not "15 sec".']);
  expect(problems({ REACHWATCH_TWILIO_TIMEOUT: '2h' })).toHaveLength(1);
  const env = { TWILIO_ACCOUNT_SID: 'AC' + '0'.repeat(32), TWILIO_AUTH_TOKEN: 't', REACHWATCH_TWILIO_FROM: '+15005550006', REACHWATCH_PUBLIC_URL: 'https://rw.example.kz' };
  expect(loadConfig(env, file).twilio.settings?.requestTimeoutMs).toBe(30_000);
  expect(loadConfig({ ...env, REACHWATCH_TWILIO_TIMEOUT: '20s' }, file).twilio.settings?.requestTimeoutMs).toBe(20_000);
});
