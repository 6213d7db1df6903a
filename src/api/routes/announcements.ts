// Operators' labels of recorded network announcements, and the recorded clips themselves. Clips are
// what a caller heard, sometimes a person's voice: never public, served only to operators and
// auditors (and admins), and only when the file still hashes to what the probe's evidence says.

import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import { clipNamed, clipsOf, readClip } from '../../audio/clips.ts';
import { Announcements, clipOfProbe, describeClips, LABEL_OUTCOMES, LabelInputError } from '../../audio/labels.ts';
import type { DB } from '../../store/db.ts';
import type { Queries } from '../../store/queries.ts';
import type { AnnouncementLabelRow } from '../../store/rows.ts';
import { actorOf, requireRole } from '../auth.ts';
import { ErrorReply } from '../schemas.ts';

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

const LabelView = Type.Object({
  id: Type.String({ examples: ['ann_3f9a0c2b7d41e688'] }),
  name: Type.String({ description: 'What the operator called the announcement.' }),
  carrier: Type.Union([Type.String(), Type.Null()]),
  outcome: Type.String({ description: 'The class a matching clip gets.' }),
  reason: Type.String(),
  clipSha256: Type.String({ description: 'SHA-256 of the labelled clip as kept (A-law 8 kHz WAV).' }),
  seconds: Type.Number(),
  source: Type.String({ description: 'Where the clip came from.' }),
  createdAt: Type.String({ format: 'date-time' }),
  createdBy: Type.String(),
  removedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  removedBy: Type.Union([Type.String(), Type.Null()]),
});

const view = (r: AnnouncementLabelRow) => ({
  id: r.id,
  name: r.name,
  carrier: r.carrier,
  outcome: r.outcome,
  reason: r.reason,
  clipSha256: r.clip_sha256,
  seconds: r.seconds,
  source: r.source,
  createdAt: new Date(r.created_at).toISOString(),
  createdBy: r.created_by,
  removedAt: iso(r.removed_at),
  removedBy: r.removed_by,
});

const LabelBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 100, description: 'e.g. "Kcell: switched off".' }),
    carrier: Type.Optional(Type.String({ maxLength: 60 })),
    outcome: Type.Union(
      LABEL_OUTCOMES.map((o) => Type.Literal(o)),
      { description: 'The class of a call whose audio matches (never reachable: a recording is not the center answering).' },
    ),
    reason: Type.String({ pattern: '^[a-z][a-z0-9_]{1,63}$', examples: ['subscriber_switched_off'] }),
    probe: Type.Optional(Type.Integer({ minimum: 1, description: 'Label a clip kept with this probe...' })),
    clip: Type.Optional(Type.String({ pattern: '^[a-z0-9_]{1,32}$', default: '0', description: '...this one of its clips: its number (0 = the first) or its name (early, answered).' })),
    audio: Type.Optional(Type.String({ minLength: 4, description: 'Or: the clip itself, a WAV file (PCM 16-bit or G.711), base64.' })),
  },
  { additionalProperties: false, examples: [{ name: 'Kcell: switched off', carrier: 'Kcell', outcome: 'unavailable', reason: 'subscriber_switched_off', probe: 4211, clip: 0 }] },
);

const bad = (message: string) => ({ statusCode: 400, error: 'Bad Request', message });

export const announcementRoutes: FastifyPluginAsyncTypebox<{ db: DB; queries: Queries; dataDir: string }> = async (app, { db, queries, dataDir }) => {
  const announcements = new Announcements(db, dataDir);

  app.get(
    '/announcements',
    {
      schema: {
        tags: ['announcements'],
        summary: 'Labelled network announcements (role: operator or auditor)',
        description: 'Role: operator, auditor or admin. Labels in force; `removed=true` includes removed ones.',
        security: [{ bearer: [] }],
        querystring: Type.Object({ removed: Type.Optional(Type.Boolean()) }),
        response: { 200: Type.Object({ labels: Type.Array(LabelView) }), 400: ErrorReply, 401: ErrorReply, 403: ErrorReply },
      },
      onRequest: requireRole(['operator', 'auditor']),
    },
    async (req) => ({ labels: announcements.list(req.query.removed === true).map(view) }),
  );

  app.post(
    '/announcements',
    {
      schema: {
        tags: ['announcements'],
        summary: 'Label a recorded announcement once (role: operator)',
        description:
          'Role: operator (or admin). Give either `probe` (and `clip`) to label a clip kept with a probe, or `audio` (a base64 WAV). ' +
          'Later clips whose fingerprint matches are classified as `outcome`/`reason`. The same announcement cannot be labelled twice (409).',
        security: [{ bearer: [] }],
        body: LabelBody,
        response: { 201: LabelView, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 409: ErrorReply },
      },
      onRequest: requireRole('operator'),
    },
    async (req, reply) => {
      const b = req.body;
      if ((b.probe === undefined) === (b.audio === undefined)) return reply.code(400).send(bad('body: give exactly one of "probe" (a probe id, with "clip") or "audio" (a base64 WAV file).'));
      try {
        let wav: Uint8Array;
        let source: string;
        if (b.probe !== undefined) {
          wav = await clipOfProbe(db, dataDir, b.probe, b.clip ?? '0');
          source = `probe ${b.probe} clip ${b.clip ?? '0'}`;
        } else {
          if (!/^[A-Za-z0-9+/]+={0,2}$/.test(b.audio as string)) return reply.code(400).send(bad('body parameter "audio" must be base64 (A-Z, a-z, 0-9, +, /, = padding).'));
          wav = Buffer.from(b.audio as string, 'base64');
          source = 'uploaded';
        }
        const label = await announcements.label({ name: b.name, carrier: b.carrier ?? null, outcome: b.outcome, reason: b.reason, wav, source, by: actorOf(req) });
        req.log.info({ label: label.id, name: label.name, by: req.actor?.tokenId }, 'announcement labelled');
        return reply.code(201).send(view(label));
      } catch (err) {
        if (err instanceof LabelInputError) {
          const message = `body parameter "${err.field === 'clip' && b.audio !== undefined ? 'audio' : err.field}" ${err.message}`;
          return reply.code(err.conflict ? 409 : 400).send({ statusCode: err.conflict ? 409 : 400, error: err.conflict ? 'Conflict' : 'Bad Request', message });
        }
        throw err;
      }
    },
  );

  app.delete(
    '/announcements/:id',
    {
      schema: {
        tags: ['announcements'],
        summary: 'Remove a label (role: operator)',
        description: 'Role: operator (or admin). Clips stop matching it from now on; the row and its history are kept, and probes already classified by it keep their evidence.',
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.String({ pattern: '^ann_[0-9a-f]{16}$' }) }),
        response: { 200: LabelView, 400: ErrorReply, 401: ErrorReply, 403: ErrorReply, 404: ErrorReply, 409: ErrorReply },
      },
      onRequest: requireRole('operator'),
    },
    async (req, reply) => {
      const r = announcements.remove(req.params.id, actorOf(req));
      if (r.result === 'not_found') return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No announcement label ${req.params.id}.` });
      if (r.result === 'already_removed') {
        return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: `Label ${req.params.id} was already removed at ${iso(r.label.removed_at)} by ${r.label.removed_by}.` });
      }
      req.log.info({ label: r.label.id, by: req.actor?.tokenId }, 'announcement label removed');
      return view(r.label);
    },
  );

  app.get(
    '/announcements/history',
    {
      schema: {
        tags: ['announcements'],
        summary: 'Who labelled or removed what, when, hash-linked (role: operator or auditor)',
        description: 'Role: operator, auditor or admin. Oldest first. `intact` is false when an entry no longer follows from the one before (`problem` says which).',
        security: [{ bearer: [] }],
        querystring: Type.Object({ label: Type.Optional(Type.String({ pattern: '^ann_[0-9a-f]{16}$' })) }),
        response: {
          200: Type.Object({
            intact: Type.Boolean(),
            problem: Type.Union([Type.String(), Type.Null()]),
            history: Type.Array(
              Type.Object({
                id: Type.Integer(),
                labelId: Type.String(),
                at: Type.String({ format: 'date-time' }),
                action: Type.Union([Type.Literal('label'), Type.Literal('remove')]),
                actor: Type.String(),
                hash: Type.String(),
                prevHash: Type.String(),
              }),
            ),
          }),
          400: ErrorReply,
          401: ErrorReply,
          403: ErrorReply,
        },
      },
      onRequest: requireRole(['operator', 'auditor']),
    },
    async (req) => {
      const problem = announcements.verifyHistory();
      return {
        intact: problem === null,
        problem: problem?.message ?? null,
        history: announcements.history(req.query.label).map((h) => ({ id: h.id, labelId: h.label_id, at: new Date(h.at).toISOString(), action: h.action, actor: h.actor, hash: h.hash, prevHash: h.prev_hash })),
      };
    },
  );

  app.get(
    '/probes/:id/clips/:n',
    {
      schema: {
        tags: ['announcements'],
        summary: 'A probe\'s recorded clip, as WAV (role: operator or auditor)',
        description:
          'Role: operator, auditor or admin; never public. The clip is served only if its file still has the SHA-256 the probe\'s (hash-chained) evidence names: ' +
          '409 if it was changed, 410 once audio.clip_retention removed it.',
        security: [{ bearer: [] }],
        params: Type.Object({ id: Type.Integer({ minimum: 1 }), n: Type.String({ pattern: '^[a-z0-9_]{1,32}$', description: 'The clip\'s number (0 = the first) or name (early, answered).' }) }),
        response: {
          200: { description: 'The clip: WAV, 8 kHz mono (G.711 A-law as reachwatch keeps clips, or as the prober recorded it).', content: { 'audio/wav': { schema: Type.String({ format: 'binary' }) } } },
          400: ErrorReply,
          401: ErrorReply,
          403: ErrorReply,
          404: ErrorReply,
          409: ErrorReply,
          410: ErrorReply,
        },
      },
      onRequest: requireRole(['operator', 'auditor']),
    },
    async (req, reply) => serveClip(req, reply, queries, dataDir, req.params.id, req.params.n),
  );
};

/**
 * Sends a probe's clip as WAV, private and never stored by a cache, only while its file still has
 * the SHA-256 the probe's evidence names: 404 without such a clip, 409 when altered, 410 when pruned.
 * The caller has checked who may hear it (a token here, a board session in routes/signin.ts).
 */
export async function serveClip(req: FastifyRequest, reply: FastifyReply, queries: Queries, dataDir: string, id: number, n: string): Promise<FastifyReply> {
  const probe = queries.probeEvidence(id);
  if (!probe) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No probe ${id}.` });
  const evidence = JSON.parse(probe.evidence) as Record<string, unknown>;
  const ref = clipNamed(evidence, n);
  if (!ref) return reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `Probe ${id} has ${describeClips(clipsOf(evidence).map((c) => c.name))}, not clip ${n}.` });
  const r = await readClip(dataDir, ref);
  if (!r.ok) {
    if (r.why === 'pruned') return reply.code(410).send({ statusCode: 410, error: 'Gone', message: r.message });
    req.log.warn({ probe: id, clip: n, why: r.why }, r.message);
    return reply.code(409).send({ statusCode: 409, error: 'Conflict', message: r.message });
  }
  req.log.info({ probe: id, clip: n, by: req.actor?.tokenId }, 'clip served');
  return reply
    .header('content-type', 'audio/wav')
    .header('cache-control', 'private, no-store')
    .header('content-disposition', `inline; filename="probe-${id}-clip-${n}.wav"`)
    .header('x-content-sha256', ref.sha256)
    .send(r.bytes as never); // bytes are sent as is; the schema only documents them
}
