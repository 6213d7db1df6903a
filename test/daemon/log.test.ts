import { Writable } from 'node:stream';
import { expect, test } from 'vitest';
import { createLogger, scrubUrl } from '../../src/log.ts';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _enc, cb) {
      lines.push(chunk.toString());
      cb();
    },
  });
  return { lines, log: createLogger({ level: 'info', pretty: false, destination }) };
}

test('logs are JSON lines with secrets redacted', () => {
  const { lines, log } = capture();
  log.info({ twilio: { authToken: 'abc123secret' }, smtp: { password: 'hunter2' }, req: { headers: { authorization: 'Bearer xyz' } } }, 'hello');
  const entry = JSON.parse(lines[0] as string) as Record<string, unknown>;
  expect(entry.msg).toBe('hello');
  expect(lines[0]).not.toContain('abc123secret');
  expect(lines[0]).not.toContain('hunter2');
  expect(lines[0]).not.toContain('xyz');
  expect(entry.twilio).toEqual({ authToken: '[redacted]' });
});

test('URLs lose credentials and token-like parts', () => {
  expect(scrubUrl('https://user:pass@example.kz/a?token=abc&x=1')).toBe('https://***@example.kz/a?token=***&x=1');
  expect(scrubUrl('https://api.telegram.org/bot123:ABC/sendMessage')).toBe('https://api.telegram.org/bot***/sendMessage');
});
