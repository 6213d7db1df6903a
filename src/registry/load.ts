// Loads and validates the center registry (config/centers.yaml) into Center/Channel objects.
//
// The registry is hand-maintained research data, so validation is written for the person who edits
// it: every problem carries file, line, column, a readable field name and a sentence saying what is
// wrong and what to do, and ALL problems are collected in one pass so a maintainer can fix them in one
// sitting instead of one per run.
//
// Two severities:
//   error    the file is refused as a whole (`centers` comes back empty); callers must not write
//            anything derived from it. Use `assertLoadable()` to turn errors into a RegistryError.
//   warning  the record or channel is kept and visible, but a channel may be unprobeable
//            (`target: null`, `unprobeableReason` set). Warnings describe the data, not our failure.
//
// Field names in problems (`RegistryProblem.field`):
//   <center-id>.<key>                  e.g. `hotline-114.tz_iana`
//   <center-id>.channels[<i>].<key>    e.g. `perspective-almaty.channels[1].value` (i is 0-based)
//   centers[<i>]...                    only when the record has no usable id (i is the 0-based index
//                                      in the list); the line number still locates it
//   ""                                 for problems about the whole file (YAML syntax, not a list)
// The center id is used rather than the index because it is what maintainers search the file for.

import { readFileSync } from 'node:fs';
import { parse as parseDomain } from 'tldts';
import { CHANNEL_TYPES } from '../domain.ts';
import type { Center, Channel, ChannelOptions, ChannelType, ProbeMethod } from '../domain.ts';
import { CENTRAL } from '../agents/config.ts';
import type { Config } from '../config/config.ts';
import { parseYamlSource } from '../util/yaml-source.ts';
import type { NodePath, PathSegment, SourcePosition, YamlSource } from '../util/yaml-source.ts';
import { isValidChannelId, parseLooseUrl, hasScheme, phoneChannelId, slugify, websiteChannelId } from './channel-id.ts';
import { countryName, DEFAULT_PHONE_COUNTRY, isPhoneCountry, isPhoneProblem, normalizePhone, phoneCountryProblem } from './phone.ts';
import type { CountryCode } from 'libphonenumber-js/max';
import { parseSchedule } from '../scheduler/schedule.ts';

export interface RegistryProblem {
  severity: 'error' | 'warning';
  /** The file name as given to the loader (e.g. `config/centers.yaml`). */
  file: string;
  /** 1-based; 0 when the problem concerns the file as a whole and has no position (unreadable file). */
  line: number;
  column: number;
  /** See the header of this file for the form. */
  field: string;
  message: string;
}

export interface RegistryLoad {
  /** Empty whenever `problems` contains an error: a refused file yields nothing to act on. */
  centers: Center[];
  /** Errors and warnings, sorted by position. */
  problems: RegistryProblem[];
}

/** Thrown by `assertLoadable`. `problems` holds every problem of the load (errors and warnings). */
export class RegistryError extends Error {
  readonly problems: RegistryProblem[];

  constructor(problems: RegistryProblem[]) {
    const errors = problems.filter((p) => p.severity === 'error');
    const file = errors[0]?.file ?? 'registry';
    super(
      `The registry ${file} has ${errors.length} error${errors.length === 1 ? '' : 's'} and was not loaded:\n` +
        errors.map((p) => `  ${formatProblem(p)}`).join('\n'),
    );
    this.name = 'RegistryError';
    this.problems = problems;
  }
}

/** `config/centers.yaml:172:14 perspective-almaty.channels[0].value: <sentence>` */
export function formatProblem(p: RegistryProblem): string {
  const where = p.line > 0 ? `${p.file}:${p.line}:${p.column}` : p.file;
  return p.field ? `${where} ${p.field}: ${p.message}` : `${where}: ${p.message}`;
}

export function hasErrors(load: RegistryLoad): boolean {
  return load.problems.some((p) => p.severity === 'error');
}

/** Throws a RegistryError listing every error; otherwise returns the centers. Warnings never throw. */
export function assertLoadable(load: RegistryLoad): Center[] {
  if (hasErrors(load)) throw new RegistryError(load.problems);
  return load.centers;
}

export interface RegistryOptions {
  /**
   * Host names the config points at an address itself (`website.resolve`): they are never looked up,
   * so a test or bench name such as "c00001.bench.test" is probeable although under no public domain.
   */
  resolvedHosts?: readonly string[];
  /**
   * The vantage points configured (`vantage.points`, `central` included) and the defaults per channel
   * type (`vantage.defaults`): a channel's `vantage` list must name known points. Absent: only `central`.
   */
  vantage?: RegistryVantage;
}

export interface RegistryVantage {
  points: readonly string[];
  defaults: { readonly website: readonly string[]; readonly phone: readonly string[] };
}

/** The loader's options from a configuration: the hosts it resolves itself, and its vantage points. */
export function registryOptionsFor(config: Pick<Config, 'website' | 'vantage'>): RegistryOptions {
  return {
    resolvedHosts: Object.keys(config.website.resolve),
    vantage: { points: config.vantage.points.map((p) => p.name), defaults: config.vantage.defaults },
  };
}

const CENTRAL_ONLY: RegistryVantage = { points: [CENTRAL], defaults: { website: [CENTRAL], phone: [CENTRAL] } };

/** Reads and validates a registry file. Never throws for bad content or an unreadable file. */
export function loadRegistry(file: string, options: RegistryOptions = {}): RegistryLoad {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    return {
      centers: [],
      problems: [
        {
          severity: 'error',
          file,
          line: 0,
          column: 0,
          field: '',
          message: `The registry file cannot be read (${reason}). Check the path and the file's permissions.`,
        },
      ],
    };
  }
  return parseRegistry(text, file, options);
}

// ---------------------------------------------------------------------------------------------
// Known keys

/** How a key's value must look. Every optional key also accepts null, meaning "not given". */
type FieldKind = 'text' | 'boolean' | 'list' | 'text-list' | 'mapping' | 'mapping-list';

/** Every key of a center record. The registry's header comment documents their meaning. */
export const CENTER_KEYS: Readonly<Record<string, FieldKind>> = {
  id: 'text',
  name: 'text',
  name_as_written: 'text',
  aliases: 'text-list',
  legal_form: 'text',
  legal_form_note: 'text',
  kind: 'text',
  city: 'text',
  city_as_written: 'text',
  region_as_written: 'text',
  region_normalized: 'text',
  region_note: 'text',
  tz_iana: 'text',
  country: 'text',
  other_locations: 'mapping-list',
  status_reported: 'mapping',
  probe: 'boolean',
  channels: 'list',
  unlisted_channels: 'text-list',
  related: 'mapping-list',
  notes: 'text',
  references: 'mapping-list',
  sources: 'mapping-list',
  operator_as_written: 'text',
  location_as_written: 'text',
  location_note: 'text',
};

/** Every key of a channel: the registry's own, plus reachwatch's per-channel options (id ... schedule). */
export const CHANNEL_KEYS: Readonly<Record<string, FieldKind>> = {
  type: 'text',
  value: 'text',
  e164: 'text',
  number_kind: 'text',
  probe_url: 'text',
  link_target: 'text',
  note: 'text',
  problem: 'text',
  source_raw: 'text',
  id: 'text',
  expect_text: 'text',
  insecure: 'boolean',
  schedule: 'text',
  methods: 'text-list',
  vantage: 'text-list',
};

/**
 * The longest text a key may hold, and whether it may span lines. What the registry holds is shown on
 * the board, printed in terminals and sent in alerts (SMS, e-mail subjects, Telegram), so a name of a
 * megabyte or one carrying a terminal escape is refused rather than passed on. The limits are several
 * times the longest real value of the default registry (names 116, notes 431 characters). Ids and values
 * are shorter because a channel id is built from both and must fit the API's 300-character id.
 */
interface TextRule {
  max: number;
  multiline: boolean;
}
const line = (max: number): TextRule => ({ max, multiline: false });
const prose = (max: number): TextRule => ({ max, multiline: true });
/** Free text inside nested mappings (sources, references, status_reported...) and keys not listed below. */
const DEFAULT_TEXT_RULE = prose(2000);
const CENTER_TEXT_RULES: Readonly<Record<string, TextRule>> = {
  id: line(80),
  name: line(300),
  name_as_written: line(300),
  aliases: line(300),
  legal_form: line(200),
  kind: line(100),
  city: line(200),
  city_as_written: line(200),
  region_as_written: line(200),
  region_normalized: line(200),
  operator_as_written: line(300),
  location_as_written: line(300),
  tz_iana: line(100),
  country: line(10),
  notes: prose(5000),
  unlisted_channels: prose(1000),
};
const CHANNEL_TEXT_RULES: Readonly<Record<string, TextRule>> = {
  id: line(200),
  type: line(20),
  value: line(200),
  e164: line(40),
  number_kind: line(200),
  probe_url: line(2000),
  link_target: line(2000),
  source_raw: line(500),
  expect_text: line(1000),
  schedule: line(200),
  methods: line(20),
  vantage: line(40),
  note: prose(5000),
  problem: prose(5000),
};

// C0 and C1 control characters, DEL, and the Unicode bidirectional embeddings, overrides and isolates
// (which reorder what a reader sees); line separators too in single-line fields. Tab and line feed are
// text in a multi-line note.
const CONTROL_IN_LINE = /[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/;
const CONTROL_IN_PROSE = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;
/** Every character a single-line field refuses, to escape in messages. */
const CONTROL_ANY = new RegExp(CONTROL_IN_LINE.source, 'g');
const CONTROL_NAMES: Readonly<Record<number, string>> = { 0: 'NUL', 7: 'BEL', 8: 'BS', 9: 'TAB', 10: 'LF', 13: 'CR', 27: 'ESC', 127: 'DEL' };

/** A control character made visible and harmless for a terminal: `\u001b`. */
const escapeControls = (text: string): string => text.replace(CONTROL_ANY, (c) => `\\u${(c.codePointAt(0) ?? 0).toString(16).padStart(4, '0')}`);

/** The start of a long text, for a message that must not repeat a megabyte. */
const excerpt = (text: string): string => JSON.stringify(text.length > 40 ? `${text.slice(0, 40)}...` : text);

/**
 * Why a web host cannot be a center's site on the internet, or null. A single label ("www",
 * "localhost") or a name under no public top-level domain ("center.local") is resolved through this
 * machine's own search domains, hosts file and resolver, so its answer would say nothing about the
 * center. IP addresses are accepted.
 */
function privateHostProblem(hostname: string): string | null {
  const host = hostname.replace(/\.$/, '');
  const parsed = parseDomain(host);
  if (parsed.isIp) return null;
  if (parsed.isIcann && parsed.domain !== null) return null;
  return parsed.isIcann
    ? `has only the top-level domain "${host}" as its host name`
    : host.includes('.')
      ? `has the host name "${host}", which is under no public top-level domain ("${host.split('.').pop() ?? ''}")`
      : `has the host name "${host}", a single word without a domain`;
}

// Each Intl.DateTimeFormat holds ~25 KB of ICU data in native memory, which glibc does not give back:
// one per record made a 10,000-record registry cost ~240 MB of RSS. A registry uses a handful of zones.
const resolvedZones = new Map<string, string | null>();
function resolveTimeZone(tz: string): string | null {
  let resolved = resolvedZones.get(tz);
  if (resolved === undefined) {
    try {
      resolved = new Intl.DateTimeFormat('en-US', { timeZone: tz }).resolvedOptions().timeZone;
    } catch {
      resolved = null;
    }
    resolvedZones.set(tz, resolved);
  }
  return resolved;
}

const REQUIRED_CENTER_KEYS = ['id', 'name', 'kind'] as const;
const CENTER_ID_RE = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;

// ---------------------------------------------------------------------------------------------
// Parsing

type Raw = Record<string, unknown>;

interface ChannelIdUse {
  line: number;
  field: string;
}

/** Validates registry text. `file` is only used in problems. Never throws for bad content. */
export function parseRegistry(text: string, file: string, options: RegistryOptions = {}): RegistryLoad {
  const src = parseYamlSource(text);
  const v = new Validator(src, file, new Set((options.resolvedHosts ?? []).map((h) => h.toLowerCase())), options.vantage ?? CENTRAL_ONLY);
  // Field names use record ids, so index them before any problem (even a YAML one) is named.
  if (Array.isArray(src.value)) v.indexRecords(src.value);

  for (const issue of src.issues) {
    const path = issue.path ?? [];
    v.problems.push({
      severity: issue.severity,
      file,
      line: issue.line,
      column: issue.column,
      field: issue.path ? escapeControls(v.fieldOf(path)) : '',
      message: escapeControls(issue.message),
    });
  }
  // A syntax error means the structure below it is unreliable: validating it would mostly produce
  // follow-on noise. Duplicate keys leave the structure intact, so validation continues past them.
  const fatalSyntax = src.issues.some((i) => i.severity === 'error' && i.code !== 'DUPLICATE_KEY');
  if (!fatalSyntax) v.validateTop(src.value);

  const problems = v.problems.sort((a, b) => a.line - b.line || a.column - b.column);
  const failed = problems.some((p) => p.severity === 'error');
  return { centers: failed ? [] : v.centers, problems };
}

class Validator {
  readonly problems: RegistryProblem[] = [];
  readonly centers: Center[] = [];
  private readonly src: YamlSource;
  private readonly file: string;
  /** Field-name prefix per record index: its id when usable, else `centers[i]`. */
  private prefixes: string[] = [];

  private readonly resolvedHosts: ReadonlySet<string>;
  private readonly vantage: RegistryVantage;

  constructor(src: YamlSource, file: string, resolvedHosts: ReadonlySet<string>, vantage: RegistryVantage) {
    this.src = src;
    this.file = file;
    this.resolvedHosts = resolvedHosts;
    this.vantage = vantage;
  }

  fieldOf(path: NodePath): string {
    let out = '';
    path.forEach((seg, i) => {
      if (i === 0 && typeof seg === 'number') out = this.prefixes[seg] ?? `centers[${seg}]`;
      else if (typeof seg === 'number') out += `[${seg}]`;
      // Keys that are not plain words (e.g. "6.3") are bracketed so the dots stay unambiguous.
      else if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(seg)) out += `[${JSON.stringify(seg)}]`;
      else out += out === '' ? seg : `.${seg}`;
    });
    return out;
  }

  private report(severity: 'error' | 'warning', path: NodePath, message: string, at: 'value' | 'key' = 'value'): void {
    const pos: SourcePosition = at === 'key' ? this.src.keyLineOf(path) : this.src.lineOf(path);
    // Messages quote what the file says; a quoted escape sequence must not act on the reader's terminal.
    this.problems.push({ severity, file: this.file, ...pos, field: escapeControls(this.fieldOf(path)), message: escapeControls(message) });
  }

  private error(path: NodePath, message: string, at: 'value' | 'key' = 'value'): void {
    this.report('error', path, message, at);
  }

  private warn(path: NodePath, message: string, at: 'value' | 'key' = 'value'): void {
    this.report('warning', path, message, at);
  }

  indexRecords(records: readonly unknown[]): void {
    this.prefixes = records.map((rec, i) =>
      isRecord(rec) && typeof rec['id'] === 'string' && CENTER_ID_RE.test(rec['id']) ? rec['id'] : `centers[${i}]`,
    );
  }

  validateTop(value: unknown): void {
    if (value === null || value === undefined) {
      this.error([], 'The registry is empty. It must be a YAML list of center records, each starting with "- id: ...".');
      return;
    }
    if (!Array.isArray(value)) {
      this.error(
        [],
        `The registry must be a YAML list of center records (each starting with "- id: ..."), but the top level is ${describe(value)}.`,
      );
      return;
    }

    const firstIdAt = new Map<string, { line: number }>();
    const channelIds = new Map<string, ChannelIdUse>();
    value.forEach((rec: unknown, i) => {
      const center = this.validateRecord(rec, i, channelIds);
      if (!center) return;
      const first = firstIdAt.get(center.id);
      if (first) {
        this.error(
          [i, 'id'],
          `The center id "${center.id}" is already used by the record at line ${first.line}. Center ids must be unique; ` +
            `give one of the records a different id (existing ids are referenced elsewhere, so change the new one).`,
        );
      } else {
        firstIdAt.set(center.id, { line: center.line });
      }
      this.centers.push(center);
    });

    // `related` entries point at other records by id; a dangling one is a typo or a removed record.
    // Compared with every written id, so a record that has an error of its own is not reported twice.
    const allIds = value.flatMap((rec: unknown) => (isRecord(rec) && typeof rec['id'] === 'string' ? [rec['id']] : []));
    const known = new Set(allIds);
    value.forEach((rec: unknown, i) => {
      if (!isRecord(rec) || !Array.isArray(rec['related'])) return;
      rec['related'].forEach((rel: unknown, j) => {
        if (isRecord(rel) && typeof rel['id'] === 'string' && !known.has(rel['id'])) {
          const hint = suggest(rel['id'], allIds);
          this.warn(
            [i, 'related', j, 'id'],
            `"${rel['id']}" is not the id of any record in the registry.${hint ? ` Did you mean "${hint}"?` : ''} ` +
              `Correct the id or remove the entry.`,
          );
        }
      });
    });
  }

  /** Returns a Center when the record is usable enough to build one (it may still carry errors). */
  private validateRecord(rec: unknown, i: number, channelIds: Map<string, ChannelIdUse>): Center | null {
    const path: PathSegment[] = [i];
    if (!isRecord(rec)) {
      this.error(
        path,
        `Record ${i + 1} of the list is ${describe(rec)}, not a mapping of fields. Each record starts with "- id: ..." ` +
          `followed by its other fields, indented to line up with "id".`,
      );
      return null;
    }

    this.checkKeys(rec, path, CENTER_KEYS, 'a center record', CENTER_TEXT_RULES);

    let ok = true;
    for (const key of REQUIRED_CENTER_KEYS) {
      const val = rec[key];
      if (val === undefined || val === null) {
        this.error(path, `The record has no "${key}". ${requiredHint(key)}`);
        ok = false;
      } else if (typeof val === 'string' && val.trim() === '') {
        this.error([i, key], `"${key}" is empty. ${requiredHint(key)}`);
        ok = false;
      } else if (typeof val !== 'string') {
        ok = false; // reported by checkKeys as a wrong type
      }
    }

    const id = typeof rec['id'] === 'string' ? rec['id'] : '';
    if (id.trim() !== '' && !CENTER_ID_RE.test(id)) {
      const fixed = slugify(id);
      this.error(
        [i, 'id'],
        `The id "${id}" is not lowercase kebab-case (letters a-z, digits and single hyphens, e.g. "perspective-almaty").` +
          (fixed ? ` Write it as "${fixed}".` : ''),
      );
      ok = false;
    }

    const tz = typeof rec['tz_iana'] === 'string' ? rec['tz_iana'] : null;
    if (tz !== null) this.checkTimeZone(tz, [i, 'tz_iana']);
    const country = this.centerCountry(rec['country'], [i, 'country']);

    const channels: Channel[] = [];
    const rawChannels = rec['channels'];
    // A wrong-typed `channels` is reported by checkKeys; it also means we cannot tell what would be probed.
    let allChannelsBuilt = rawChannels === undefined || rawChannels === null || Array.isArray(rawChannels);
    if (Array.isArray(rawChannels)) {
      rawChannels.forEach((ch: unknown, j) => {
        const channel = this.validateChannel(ch, [i, 'channels', j], id, country, channelIds);
        if (channel) channels.push(channel);
        else allChannelsBuilt = false;
      });
    }

    const probeable = channels.filter((c) => c.target !== null).length;
    const probe = typeof rec['probe'] === 'boolean' ? rec['probe'] : null;
    if (probe === false && channels.length > 0) {
      this.warn(
        [i, 'probe'],
        `"probe" is false, but the record lists ${plural(channels.length, 'channel')}. They are kept and shown but never probed. ` +
          `Set probe: true to monitor them, or remove the channels.`,
      );
    } else if (probe === true && probeable === 0 && allChannelsBuilt) {
      // (When a channel has an error, that error is the message; "nothing to probe" would be noise.)
      this.warn(
        [i, 'probe'],
        channels.length === 0
          ? `"probe" is true, but the record has no channels, so nothing will be probed. Add a channel or set probe: false.`
          : `"probe" is true, but none of the record's ${plural(channels.length, 'channel')} can be probed (see the warnings on them), ` +
              `so nothing will be probed for this center. Fix the channels or set probe: false.`,
      );
    }

    if (!ok) return null;
    return {
      id,
      name: textOrNull(rec['name']) ?? '',
      kind: textOrNull(rec['kind']) ?? '',
      city: textOrNull(rec['city']),
      region: textOrNull(rec['region_normalized']),
      // No default here: the daemon owns the default zone, so "not given" must stay visible as null.
      tz,
      // Absent `probe` means "probe whatever can be probed".
      probe: probe ?? probeable > 0,
      channels,
      record: rec,
      line: this.src.lineOf(path).line,
    };
  }

  private validateChannel(
    ch: unknown,
    path: PathSegment[],
    centerId: string,
    country: CountryCode,
    channelIds: Map<string, ChannelIdUse>,
  ): Channel | null {
    if (!isRecord(ch)) {
      this.error(
        path,
        `This channel is ${describe(ch)}, not a mapping. Write each channel as "- type: phone" or "- type: website" ` +
          `with a "value:" line below it.`,
      );
      return null;
    }
    this.checkKeys(ch, path, CHANNEL_KEYS, 'a channel', CHANNEL_TEXT_RULES);

    const rawType = ch['type'];
    let type: ChannelType | null = null;
    if (rawType === undefined || rawType === null) {
      this.error(path, `The channel has no "type". Add type: phone or type: website.`);
    } else if (typeof rawType === 'string') {
      if (isChannelType(rawType)) {
        type = rawType;
      } else {
        const hint = suggest(rawType, CHANNEL_TYPES);
        this.error(
          [...path, 'type'],
          `"${rawType}" is not a channel type reachwatch can probe.${hint ? ` Did you mean "${hint}"?` : ''} ` +
            `Use one of: ${CHANNEL_TYPES.join(', ')}. Contacts of other kinds belong in unlisted_channels or notes.`,
        );
      }
    }

    const rawValue = ch['value'];
    let value: string | null = null;
    if (rawValue === undefined || rawValue === null || (typeof rawValue === 'string' && rawValue.trim() === '')) {
      this.error(
        rawValue === undefined ? path : [...path, 'value'],
        `The channel has no value. Write the phone number or web address exactly as the source gives it, ` +
          `or remove the channel (a contact that is mentioned but not given belongs in unlisted_channels).`,
      );
    } else if (typeof rawValue === 'string') {
      value = rawValue;
    }

    const options = this.channelOptions(ch, path, type);
    if (type === null || value === null) return null;

    let target: string | null;
    let reason: string | null = null;
    let derivedId: string;
    if (type === 'phone') {
      const result = normalizePhone(value, country);
      const e164 = isPhoneProblem(result) ? null : result.e164;
      const problem = isPhoneProblem(result) ? result : phoneCountryProblem(value, result, country);
      target = problem ? null : e164;
      // A short code cannot be dialled from abroad, but an agent of a vantage point in the country can:
      // with such a point in its list the channel is probed from there (only there), so no warning.
      const points = options.vantage ?? this.vantage.defaults.phone;
      if (problem?.kind === 'short_code' && problem.shortCode !== undefined && points.some((p) => p !== CENTRAL)) target = problem.shortCode;
      else if (problem) {
        reason = problem.problem;
        this.warn([...path, 'value'], problem.problem);
      }
      this.checkRecordedE164(ch, path, e164);
      // From the number itself, not from whether it is probed: correcting the center's country must
      // not give the channel a new id (and so a new, empty history).
      derivedId = phoneChannelId(centerId, value, e164);
    } else {
      const r = this.websiteTarget(ch, path, value);
      target = r.target;
      reason = r.reason;
      derivedId = websiteChannelId(centerId, value);
    }

    const explicitId = typeof ch['id'] === 'string' ? ch['id'] : null;
    if (explicitId !== null && !isValidChannelId(explicitId)) {
      const fixed = slugify(explicitId);
      this.error(
        [...path, 'id'],
        `The channel id "${explicitId}" is not lowercase kebab-case (letters a-z, digits, "-" or "--" between them).` +
          (fixed ? ` Write it as "${fixed}".` : ''),
      );
    }
    const id = explicitId ?? derivedId;
    const idPath = explicitId !== null ? [...path, 'id'] : [...path, 'value'];
    const line = this.src.lineOf(path).line;
    // Without a valid center id a derived id is meaningless (the record already has an error), and
    // comparing it would only report follow-on duplicates between broken records.
    const comparable = explicitId !== null || CENTER_ID_RE.test(centerId);
    const previous = comparable ? channelIds.get(id) : undefined;
    if (previous) {
      this.error(
        idPath,
        `The channel id "${id}" is already used by ${previous.field} (line ${previous.line}). ` +
          (explicitId !== null
            ? `Channel ids must be unique; choose another id.`
            : `Both channels have the same ${type === 'phone' ? 'number' : 'address'}; remove the duplicate, or give one of them an explicit "id:".`),
      );
    } else if (comparable) {
      channelIds.set(id, { line, field: this.fieldOf(path) });
    }

    return { id, centerId, type, value, target, unprobeableReason: reason, options, line };
  }

  /** The registry's own `e164` is a note by its compilers; our normalisation wins, but a mismatch is worth a look. */
  private checkRecordedE164(ch: Raw, path: PathSegment[], ours: string | null): void {
    if (!('e164' in ch)) return;
    const recorded = ch['e164'];
    if (recorded !== null && typeof recorded !== 'string') return; // wrong type, already reported
    if (recorded === ours) return;
    if (ours === null) {
      this.warn(
        [...path, 'e164'],
        `The registry gives e164 "${String(recorded)}", but the number as written cannot be normalised (see the warning on value). ` +
          `The written value is what is checked, so this channel is not probed. Correct the value, or set e164: null.`,
      );
    } else {
      this.warn(
        [...path, 'e164'],
        `The registry gives e164 ${recorded === null ? 'null' : `"${recorded}"`}, but the number as written normalises to "${ours}". ` +
          `"${ours}" is used. Correct e164 (or the value, if the value is the mistake).`,
      );
    }
  }

  private websiteTarget(ch: Raw, path: PathSegment[], value: string): { target: string | null; reason: string | null } {
    const probeUrl = typeof ch['probe_url'] === 'string' ? ch['probe_url'] : null;
    const [text, from] = probeUrl !== null ? [probeUrl, 'probe_url'] : [value, 'value'];
    const url = parseLooseUrl(text);
    let reason: string | null = null;
    if (url === null) {
      reason =
        (hasScheme(text)
          ? `${JSON.stringify(text)} is not a valid web address. `
          : `${JSON.stringify(text)} is not a web address, even with "http://" added in front. `) +
        (from === 'value'
          ? `Add a probe_url with the address to check (keep value as the source wrote it), or correct the value.`
          : `Correct probe_url.`);
    } else if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      reason = `${JSON.stringify(text)} uses ${url.protocol.replace(/:$/, '')}://; only http and https addresses can be probed. Add a probe_url with an http(s) address, or leave the channel unprobed.`;
    } else if (url.hostname === '') {
      reason = `${JSON.stringify(text)} has no host name. Correct the address${from === 'value' ? ' or add a probe_url' : ''}.`;
    } else {
      const hostProblem = this.resolvedHosts.has(url.hostname) ? null : privateHostProblem(url.hostname);
      if (hostProblem !== null) {
        reason =
          `${JSON.stringify(text)} ${hostProblem}, so ${url.href} would be looked up in this machine's own network, not on the internet, ` +
          `and its answer would say nothing about the center. ` +
          (from === 'value' ? `Add a probe_url with the full address (e.g. "www.example.kz"), or correct the value.` : `Correct probe_url.`);
      }
    }
    if (reason !== null) {
      this.warn([...path, from], reason);
      return { target: null, reason };
    }
    if (url !== null && probeUrl !== null && !hasScheme(probeUrl)) {
      // Accepted (http:// is assumed), but probe_url exists to be exact, so say so.
      this.warn([...path, 'probe_url'], `probe_url "${probeUrl}" has no scheme; "http://" is assumed. Write the full address, e.g. "${url.href}".`);
    }
    return { target: url === null ? null : url.href, reason: null };
  }

  private channelOptions(ch: Raw, path: PathSegment[], type: ChannelType | null): ChannelOptions {
    const options: ChannelOptions = {};
    const expectText = ch['expect_text'];
    if (typeof expectText === 'string') {
      if (expectText === '') {
        this.error([...path, 'expect_text'], `expect_text is empty, so it would match every page. Write the text the page must contain, or remove the key.`);
      } else if (type === 'phone') {
        this.warn([...path, 'expect_text'], `expect_text only applies to websites and is ignored on a phone channel. Remove it.`);
      } else {
        options.expectText = expectText;
      }
    }
    const insecure = ch['insecure'];
    if (typeof insecure === 'boolean') {
      if (type === 'phone') this.warn([...path, 'insecure'], `insecure only applies to websites and is ignored on a phone channel. Remove it.`);
      else options.insecure = insecure;
    }
    const methods = ch['methods'];
    if (Array.isArray(methods)) {
      const allowed: readonly string[] = type === 'phone' ? ['lookup', 'call', 'manual'] : ['http', 'manual'];
      const bad = methods.filter((m) => typeof m !== 'string' || !allowed.includes(m));
      if (bad.length > 0) {
        this.error([...path, 'methods'], `methods of a ${type} channel may be ${allowed.join(', ')}; ${bad.map((m) => JSON.stringify(m)).join(', ')} is not one of them.`);
      } else {
        options.methods = [...new Set(methods as ProbeMethod[])];
      }
    }
    const vantage = ch['vantage'];
    if (Array.isArray(vantage) && vantage.every((p): p is string => typeof p === 'string')) {
      const known = this.vantage.points;
      const unknown = vantage.filter((p) => !known.includes(p));
      if (vantage.length === 0) {
        this.error([...path, 'vantage'], `vantage is an empty list, so nothing would probe this channel. Name at least one point (${known.join(', ')}), or remove the key to use vantage.defaults.`);
      } else if (unknown.length > 0) {
        this.error(
          [...path, 'vantage'],
          `${unknown.map((p) => JSON.stringify(p)).join(', ')} ${unknown.length === 1 ? 'is not a vantage point' : 'are not vantage points'}; ` +
            `the known points are ${known.join(', ')}. Add the point under vantage.points in the configuration, or correct the name.`,
        );
      } else {
        options.vantage = [...new Set(vantage)];
      }
    }
    const schedule = ch['schedule'];
    if (typeof schedule === 'string') {
      // The scheduler's own parser, so a schedule that passes here is one the daemon can run.
      const parsed = parseSchedule(schedule.trim(), 'UTC');
      if ('error' in parsed) {
        this.error([...path, 'schedule'], `The schedule ${parsed.error} Correct it, or remove it to use the default schedule.`);
      } else {
        options.schedule = schedule.trim();
      }
    }
    return options;
  }

  /** The country the center is in (the registry's, Kazakhstan, unless the record says `country:`): its phone numbers must be of it. */
  private centerCountry(raw: unknown, path: PathSegment[]): CountryCode {
    if (typeof raw !== 'string') return DEFAULT_PHONE_COUNTRY; // absent, null, or a wrong type (reported by checkKeys)
    if (isPhoneCountry(raw)) return raw;
    const upper = raw.trim().toUpperCase();
    this.error(
      path,
      `${excerpt(raw)} is not an ISO 3166 two-letter country code with a telephone numbering plan.` +
        (isPhoneCountry(upper) ? ` Write it in capitals: "${upper}" for ${countryName(upper)}.` : ` Write e.g. "KZ" for Kazakhstan, or remove the key (the default is ${countryName(DEFAULT_PHONE_COUNTRY)}).`),
    );
    return DEFAULT_PHONE_COUNTRY;
  }

  private checkTimeZone(tz: string, path: PathSegment[]): void {
    const resolved = resolveTimeZone(tz);
    if (resolved === null) {
      const hint = suggest(tz, Intl.supportedValuesOf('timeZone'), 3);
      this.error(
        path,
        `"${tz}" is not an IANA time zone known to this system.${hint ? ` Did you mean "${hint}"?` : ''} ` +
          `Use a zone name such as "Asia/Almaty", or null when the place is unknown.`,
      );
    } else if (resolved !== tz && resolved.toLowerCase() === tz.toLowerCase()) {
      // Intl accepts any letter case, but other tools (and people grepping the file) may not.
      this.warn(path, `The time zone "${tz}" is written in unusual letter case. Write it as "${resolved}".`);
    }
  }

  /** Unknown keys (with a did-you-mean) and value types, for one mapping. */
  private checkKeys(obj: Raw, path: PathSegment[], known: Readonly<Record<string, FieldKind>>, what: string, textRules: Readonly<Record<string, TextRule>>): void {
    const names = Object.keys(known);
    for (const [key, val] of Object.entries(obj)) {
      const kind = known[key];
      if (kind === undefined) {
        const hint = suggest(key, names);
        this.error(
          [...path, key],
          `"${key}" is not a known key of ${what}.` +
            (hint ? ` Did you mean "${hint}"?` : ` Known keys are: ${names.join(', ')}.`) +
            ` Correct or remove it.`,
          'key',
        );
        continue;
      }
      if (val === null) continue; // null means "not given" for every key; required keys are checked separately
      const wrong = typeProblem(kind, val);
      if (wrong !== null) this.error([...path, key], this.typeMessage(key, kind, val, [...path, key], wrong));
      // A `list` holds channels, whose texts are checked with the channel's own rules.
      else if (kind !== 'list') this.checkTexts(val, [...path, key], key, textRules[key] ?? DEFAULT_TEXT_RULE);
    }
  }

  /** Every text in `val` (a text, or texts nested in lists and mappings) against the key's length and character rule. */
  private checkTexts(val: unknown, path: PathSegment[], key: string, rule: TextRule): void {
    if (typeof val === 'string') {
      const bad = (rule.multiline ? CONTROL_IN_PROSE : CONTROL_IN_LINE).exec(val);
      if (bad) {
        const code = bad[0].codePointAt(0) ?? 0;
        const hex = `U+${code.toString(16).toUpperCase().padStart(4, '0')}`;
        const name = CONTROL_NAMES[code];
        this.error(
          path,
          `"${key}" contains the control character ${hex}${name ? ` (${name})` : ''} at character ${bad.index + 1} of ${excerpt(val)}. ` +
            (code === 27 ? 'It starts a terminal escape sequence. ' : '') +
            `Control characters are not text: they would reach terminals, alert messages and the board as they are. ` +
            (rule.multiline ? 'Remove it (line breaks and tabs are allowed here).' : `Remove it; "${key}" is a single line.`),
        );
      } else if (val.length > rule.max) {
        this.error(
          path,
          `"${key}" is ${val.length.toLocaleString('en-US')} characters long (it starts ${excerpt(val)}); at most ${rule.max.toLocaleString('en-US')} are allowed. ` +
            `Shorten it${rule.multiline ? '' : ', and put longer remarks in notes'}.`,
        );
      }
    } else if (Array.isArray(val)) {
      val.forEach((item, i) => this.checkTexts(item, [...path, i], key, rule));
    } else if (isRecord(val)) {
      for (const [k, v] of Object.entries(val)) this.checkTexts(v, [...path, k], k, DEFAULT_TEXT_RULE);
    }
  }

  private typeMessage(key: string, kind: FieldKind, val: unknown, path: NodePath, detail: string): string {
    if (kind === 'text' && (typeof val === 'number' || typeof val === 'boolean')) {
      // The classic YAML trap: an unquoted +77272619580 or 0123 is read as a number and loses characters.
      const written = this.src.sourceText(path) ?? String(val);
      return `"${key}" must be text, but YAML read ${written} as a ${typeof val}. Put it in quotes: ${key}: "${written}".`;
    }
    if (kind === 'boolean') {
      return `"${key}" must be true or false, but it is ${describe(val)}. Write ${key}: true or ${key}: false, without quotes.`;
    }
    return `"${key}" must be ${KIND_WORDS[kind]}, but it is ${detail}. ${KIND_HINTS[kind]}`;
  }
}

const KIND_WORDS: Record<FieldKind, string> = {
  text: 'text',
  boolean: 'true or false',
  list: 'a list',
  'text-list': 'a list of texts',
  mapping: 'a mapping of fields',
  'mapping-list': 'a list of mappings',
};

const KIND_HINTS: Record<FieldKind, string> = {
  text: 'Write it as text, in quotes if it contains special characters.',
  boolean: 'Write true or false without quotes.',
  list: 'Write each item on its own line starting with "- ", indented under the key (or [] for none).',
  'text-list': 'Write each item as text on its own line starting with "- ", indented under the key.',
  mapping: 'Write it as indented "field: value" lines under the key, or as {field: value, ...}.',
  'mapping-list': 'Write each item on its own line starting with "- " followed by its "field: value" pairs.',
};

/** Null when the value fits; otherwise a description of what it is instead. */
function typeProblem(kind: FieldKind, val: unknown): string | null {
  switch (kind) {
    case 'text':
      return typeof val === 'string' ? null : describe(val);
    case 'boolean':
      return typeof val === 'boolean' ? null : describe(val);
    case 'list':
      return Array.isArray(val) ? null : describe(val);
    case 'mapping':
      return isRecord(val) ? null : describe(val);
    case 'text-list': {
      if (!Array.isArray(val)) return describe(val);
      const bad = val.findIndex((x) => typeof x !== 'string');
      return bad < 0 ? null : `a list whose item ${bad + 1} is ${describe(val[bad])}`;
    }
    case 'mapping-list': {
      if (!Array.isArray(val)) return describe(val);
      const bad = val.findIndex((x) => !isRecord(x));
      return bad < 0 ? null : `a list whose item ${bad + 1} is ${describe(val[bad])}`;
    }
  }
}

function requiredHint(key: (typeof REQUIRED_CENTER_KEYS)[number]): string {
  switch (key) {
    case 'id':
      return 'Every record needs a unique, stable kebab-case id such as "perspective-almaty".';
    case 'name':
      return 'Every record needs a readable English name.';
    case 'kind':
      return 'Every record needs a kind, e.g. rehabilitation_center, hotline, religious_studies_center or directory.';
  }
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function isRecord(x: unknown): x is Raw {
  return typeof x === 'object' && x !== null && !Array.isArray(x);
}

function isChannelType(x: string): x is ChannelType {
  return (CHANNEL_TYPES as readonly string[]).includes(x);
}

function textOrNull(x: unknown): string | null {
  return typeof x === 'string' ? x : null;
}

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

/** How a value reads to a person: `the text "yes"`, `a number (5)`, `a list`... */
function describe(x: unknown): string {
  if (x === null || x === undefined) return 'empty';
  if (typeof x === 'string') return `the text ${JSON.stringify(x.length > 40 ? `${x.slice(0, 40)}...` : x)}`;
  if (typeof x === 'number') return `a number (${x})`;
  if (typeof x === 'boolean') return `${x}`;
  if (Array.isArray(x)) return 'a list';
  if (typeof x === 'object') return 'a mapping';
  return typeof x;
}

/** The closest candidate within `maxDistance` edits (case-insensitive), or undefined. */
export function suggest(word: string, candidates: readonly string[], maxDistance = 2): string | undefined {
  let best: string | undefined;
  let bestDistance = maxDistance + 1;
  const w = word.toLowerCase();
  for (const c of candidates) {
    // The distance is at least the difference in length: a long value (a pasted paragraph as a time
    // zone) is compared with nothing rather than cell by cell with every candidate.
    if (Math.abs(c.length - w.length) > maxDistance) continue;
    const d = editDistance(w, c.toLowerCase());
    if (d < bestDistance) {
      best = c;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Optimal-string-alignment distance: Levenshtein plus adjacent transpositions, so "chnanels" is one
 * edit from "channels" — transposed letters are the most common typo in hand-edited keys.
 */
export function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const cols = b.length + 1;
  const d: number[] = new Array<number>(rows * cols).fill(0);
  const at = (i: number, j: number): number => d[i * cols + j] ?? 0;
  for (let i = 0; i < rows; i++) d[i * cols] = i;
  for (let j = 0; j < cols; j++) d[j] = j;
  for (let i = 1; i < rows; i++) {
    for (let j = 1; j < cols; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(at(i - 1, j) + 1, at(i, j - 1) + 1, at(i - 1, j - 1) + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, at(i - 2, j - 2) + 1);
      d[i * cols + j] = v;
    }
  }
  return at(rows - 1, cols - 1);
}
