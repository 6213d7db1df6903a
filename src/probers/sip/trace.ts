// The user agent's SIP trace (baresip -s), read back into messages. baresip 1.0 reports a failed
// call's status and reason on its control interface but not the Reason header (Q.850 cause), the
// 401/407 challenges it answered, or a 183 that carried no SDP; its trace prints every message it
// sends and receives, so the facts come from the wire itself. Pure: text in, messages out.

/** One chunk of the trace as it arrived, with when (ms after the call started). */
export interface TraceChunk {
  atMs: number;
  text: string;
}

export interface SipMessage {
  /** When the chunk holding the message's first line arrived (ms after the call started). */
  atMs: number;
  transport: string;
  src: string;
  dst: string;
  /** `INVITE sip:...` or `SIP/2.0 183 Session Progress`. */
  startLine: string;
  /** Header values by lower-case name, in order. */
  headers: Record<string, string[]>;
  body: string;
}

// baresip colours each traced message: ESC[36;1m "#" newline "<TRANSPORT> src -> dst" ... ESC[;m.
const START = '\u001b[36;1m#\n';
const END = '\u001b[;m';
const HEADER_LINE = /^([UDPTCLS]+) (\S+) -> (\S+)$/;

export function parseTrace(chunks: TraceChunk[]): SipMessage[] {
  let text = '';
  const marks: { offset: number; atMs: number }[] = [];
  for (const c of chunks) {
    marks.push({ offset: text.length, atMs: c.atMs });
    text += c.text;
  }
  const timeAt = (offset: number): number => {
    let at = marks[0]?.atMs ?? 0;
    for (const m of marks) {
      if (m.offset > offset) break;
      at = m.atMs;
    }
    return at;
  };
  const out: SipMessage[] = [];
  for (let i = text.indexOf(START); i >= 0; i = text.indexOf(START, i + START.length)) {
    const from = i + START.length;
    const end = text.indexOf(END, from);
    if (end < 0) break; // the last message was cut off when the process ended
    const msg = parseMessage(text.slice(from, end), timeAt(i));
    if (msg) out.push(msg);
  }
  return out;
}

function parseMessage(block: string, atMs: number): SipMessage | null {
  const lines = block.replace(/\r/g, '').split('\n');
  const first = HEADER_LINE.exec(lines[0] ?? '');
  if (!first) return null;
  const startLine = lines[1] ?? '';
  const headers: Record<string, string[]> = {};
  let i = 2;
  for (; i < lines.length; i++) {
    const line = lines[i] as string;
    if (line === '') break;
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = line.slice(0, colon).trim().toLowerCase();
    (headers[name] ??= []).push(line.slice(colon + 1).trim());
  }
  return { atMs, transport: first[1] as string, src: first[2] as string, dst: first[3] as string, startLine, headers, body: lines.slice(i + 1).join('\n').trim() };
}

/** `SIP/2.0 486 Busy Here` -> {486, "Busy Here"}; null for a request. */
export function statusOf(m: SipMessage): { code: number; reason: string } | null {
  const r = /^SIP\/2\.0 (\d{3})(?: (.*))?$/.exec(m.startLine);
  return r ? { code: Number(r[1]), reason: (r[2] ?? '').trim() } : null;
}

export const methodOf = (m: SipMessage): string | null => (statusOf(m) ? null : (m.startLine.split(' ')[0] ?? null));

/** The CSeq method: INVITE for a response to our INVITE. */
export const cseqMethodOf = (m: SipMessage): string | null => m.headers.cseq?.[0]?.split(/\s+/)[1]?.toUpperCase() ?? null;

/**
 * The Q.850 cause of a Reason header (RFC 3326): `Q.850;cause=17;text="User busy"`. Several Reason
 * headers (or one with a list) may come; the Q.850 one counts.
 */
export function q850Of(values: string[] | undefined): { cause: number; text: string | null } | null {
  for (const v of values ?? []) {
    for (const part of v.split(/,(?=\s*[A-Za-z0-9.]+\s*;)/)) {
      if (!/^\s*Q\.850\s*;/i.test(part)) continue;
      const cause = /;\s*cause\s*=\s*(\d+)/i.exec(part);
      if (!cause) continue;
      const text = /;\s*text\s*=\s*"([^"]*)"/i.exec(part);
      return { cause: Number(cause[1]), text: text ? (text[1] as string) : null };
    }
  }
  return null;
}
