// Throw-away certificates for loopback HTTPS servers in tests, the benchmark and the demo.
//
// Generated with the openssl CLI into a temp dir. This machine has OpenSSL 3.0, whose `x509 -req`
// has no -not_before/-not_after (added in 3.4) and `req -x509` only takes -days from now, so
// certificates with arbitrary validity (e.g. already expired) are signed with `openssl ca`,
// which takes -startdate/-enddate. EC P-256 keys keep generation to a few ms per certificate.

import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const OPENSSL = process.env['OPENSSL'] ?? 'openssl';
const DAY_MS = 86_400_000;

export interface KeyPair {
  /** PEM private key. */
  key: string;
  /** PEM certificate. */
  cert: string;
}

export interface IssueOptions {
  /** DNS names (or IP literals) for subjectAltName; the first is also the CN. */
  hosts: string[];
  /** Default: one day ago. */
  notBefore?: Date;
  /** Default: 365 days from now. */
  notAfter?: Date;
}

export interface TestPki {
  /** Temp dir holding every file; removed by cleanup(). */
  dir: string;
  /** The CA; trust `ca.cert` (e.g. the website prober's `ca` option) to make issued certs valid. */
  ca: KeyPair;
  /** A leaf signed by the CA, valid (or not) exactly as asked. */
  issue(opts: IssueOptions): Promise<KeyPair>;
  /** A self-signed leaf (no CA): verification fails with DEPTH_ZERO_SELF_SIGNED_CERT. */
  selfSigned(hosts: string[], days?: number): Promise<KeyPair>;
  cleanup(): Promise<void>;
}

export const TEST_CA_SUBJECT = '/CN=Reachwatch Test CA/O=reachwatch tests';

/** Creates a fresh CA in a new temp dir. */
export async function createTestPki(): Promise<TestPki> {
  const dir = await mkdtemp(join(tmpdir(), 'reachwatch-pki-'));
  await mkdir(join(dir, 'issued'));
  await writeFile(join(dir, 'index.txt'), '');
  await writeFile(join(dir, 'ca.cnf'), caConfig(dir));
  await openssl(
    ...['req', '-x509', '-new', ...EC_KEY, '-nodes', '-keyout', join(dir, 'ca.key'), '-out', join(dir, 'ca.crt')],
    ...['-days', '3650', '-subj', TEST_CA_SUBJECT, '-config', join(dir, 'ca.cnf'), '-extensions', 'v3_ca'],
  );
  const ca = await readPair(join(dir, 'ca'));
  let serial = 0;
  const nextName = (): string => join(dir, `leaf${++serial}`);
  // `openssl ca` rewrites the CA's index.txt by renaming a temp file: two signings at once race on
  // it (seen as "Unable to rename index.txt.new" under load), so they take turns.
  let signing: Promise<unknown> = Promise.resolve();
  const serialised = <T>(job: () => Promise<T>): Promise<T> => {
    const run = signing.then(job, job);
    signing = run.catch(() => undefined);
    return run;
  };

  return {
    dir,
    ca,
    issue: (opts) => {
      const base = nextName();
      return serialised(() => issueLeaf(dir, base, opts));
    },
    selfSigned: (hosts, days = 30) => selfSignedLeaf(nextName(), hosts, days),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** Convenience for "valid from `daysFromNow[0]` to `daysFromNow[1]`" (negative = in the past). */
export function validity(fromDays: number, toDays: number, now = Date.now()): Pick<IssueOptions, 'notBefore' | 'notAfter'> {
  return { notBefore: new Date(now + fromDays * DAY_MS), notAfter: new Date(now + toDays * DAY_MS) };
}

const EC_KEY = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1'];

async function issueLeaf(dir: string, base: string, opts: IssueOptions): Promise<KeyPair> {
  const now = Date.now();
  const notBefore = opts.notBefore ?? new Date(now - DAY_MS);
  const notAfter = opts.notAfter ?? new Date(now + 365 * DAY_MS);
  await writeFile(`${base}.cnf`, leafConfig(opts.hosts));
  await openssl('req', '-new', ...EC_KEY, '-nodes', '-keyout', `${base}.key`, '-out', `${base}.csr`,
    '-subj', `/CN=${firstHost(opts.hosts)}`, '-config', `${base}.cnf`);
  await openssl('ca', '-batch', '-notext', '-config', join(dir, 'ca.cnf'), '-in', `${base}.csr`, '-out', `${base}.crt`,
    '-startdate', asn1Time(notBefore), '-enddate', asn1Time(notAfter), '-extfile', `${base}.cnf`, '-extensions', 'leaf');
  return readPair(base);
}

async function selfSignedLeaf(base: string, hosts: string[], days: number): Promise<KeyPair> {
  await writeFile(`${base}.cnf`, leafConfig(hosts));
  await openssl('req', '-x509', '-new', ...EC_KEY, '-nodes', '-keyout', `${base}.key`, '-out', `${base}.crt`,
    '-days', String(days), '-subj', `/CN=${firstHost(hosts)}`, '-config', `${base}.cnf`, '-extensions', 'leaf');
  return readPair(base);
}

async function openssl(...args: string[]): Promise<void> {
  try {
    await run(OPENSSL, args);
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? '';
    throw new Error(`openssl ${args[0]} failed: ${stderr.trim() || String(err)}`);
  }
}

async function readPair(base: string): Promise<KeyPair> {
  const [key, cert] = await Promise.all([readFile(`${base}.key`, 'utf8'), readFile(`${base}.crt`, 'utf8')]);
  return { key, cert };
}

function firstHost(hosts: string[]): string {
  const first = hosts[0];
  if (first === undefined) throw new TypeError('a certificate needs at least one host');
  return first;
}

/** UTCTime (YYMMDDHHMMSSZ), the form `openssl ca -startdate/-enddate` documents, for 1950–2049. */
function asn1Time(d: Date): string {
  const year = d.getUTCFullYear();
  if (year < 1950 || year > 2049) throw new RangeError(`UTCTime cannot hold year ${year}`);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${two(year % 100)}${two(d.getUTCMonth() + 1)}${two(d.getUTCDate())}${two(d.getUTCHours())}${two(d.getUTCMinutes())}${two(d.getUTCSeconds())}Z`;
}

function caConfig(dir: string): string {
  return `[ ca ]
default_ca = test_ca

[ test_ca ]
database = ${join(dir, 'index.txt')}
new_certs_dir = ${join(dir, 'issued')}
certificate = ${join(dir, 'ca.crt')}
private_key = ${join(dir, 'ca.key')}
default_md = sha256
policy = policy_any
# Tests issue many certificates for the same host name.
unique_subject = no
rand_serial = yes
copy_extensions = none
email_in_dn = no

[ policy_any ]
commonName = supplied

[ req ]
distinguished_name = req_dn

[ req_dn ]

[ v3_ca ]
basicConstraints = critical, CA:TRUE
keyUsage = critical, keyCertSign, cRLSign
subjectKeyIdentifier = hash
`;
}

function leafConfig(hosts: string[]): string {
  const san = hosts.map((h) => (/^[\d.]+$|:/.test(h) ? `IP:${h}` : `DNS:${h}`)).join(', ');
  return `[ req ]
distinguished_name = req_dn

[ req_dn ]

[ leaf ]
basicConstraints = critical, CA:FALSE
keyUsage = critical, digitalSignature
extendedKeyUsage = serverAuth
subjectAltName = ${san}
subjectKeyIdentifier = hash
`;
}
