// Twilio's webhooks: the TwiML of the confirmation menu, the menu answers, the recording, and the
// status and AMD callbacks. Every request must carry a valid X-Twilio-Signature computed over the
// configured public URL (a proxy in front may rewrite Host and scheme, so the request's own idea of
// its URL is not trusted); a forged or unsigned request gets 403 and changes nothing.
// Callbacks may come twice or out of order: the ledger applies each (attempt, event) once and never
// moves a call back from a final status.

import formbody from '@fastify/formbody';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import twilio from 'twilio';
import type { CallLedger, WebhookParams } from '../../probers/phone/call-ledger.ts';
import { twimlOf, type IvrConfig } from '../../probers/phone/ivr.ts';
import { afterGather, AFTER_RECORDING, FIRST_STEP, parseStep, type MenuStep } from '../../probers/phone/menu.ts';

export interface TwilioWebhookOptions {
  ledger: CallLedger;
  authToken: string;
  publicUrl: string;
  ivr: IvrConfig;
  centerNameOf: (attemptId: string) => string | null;
  /** A number asked never to be called again (key 9 or speech); called before the goodbye is sent. */
  onOptOut: (attemptId: string, via: string) => void;
  now?: () => number;
}

type Req = FastifyRequest<{ Params: { id: string }; Querystring: { step?: string }; Body: WebhookParams }>;

const ID = /^[0-9a-f]{24}$/;

export const twilioWebhookRoutes: FastifyPluginAsync<TwilioWebhookOptions> = async (app, o) => {
  const now = o.now ?? Date.now;
  await app.register(formbody);

  // Reject before any handler runs: nothing unsigned reaches the ledger.
  app.addHook('preHandler', async (req: FastifyRequest, reply: FastifyReply) => {
    const signature = req.headers['x-twilio-signature'];
    const params = (req.body ?? {}) as Record<string, string>;
    const valid = typeof signature === 'string' && twilio.validateRequest(o.authToken, signature, o.publicUrl + req.url, params);
    if (!valid) {
      req.log.warn({ url: req.url }, 'refused a Twilio webhook with a missing or invalid signature');
      return reply.code(403).send({ statusCode: 403, error: 'Forbidden', message: 'Missing or invalid X-Twilio-Signature.' });
    }
  });

  const attempt = (req: Req, reply: FastifyReply): string | null => {
    const id = req.params.id;
    if (!ID.test(id) || !o.ledger.exists(id)) {
      void reply.code(404).send({ statusCode: 404, error: 'Not Found', message: `No call attempt "${id}".` });
      return null;
    }
    return id;
  };
  // The menu's states and transitions are in probers/phone/menu.ts: these routes parse and hand over.
  const say = (reply: FastifyReply, id: string, step: MenuStep) =>
    reply.type('text/xml').send(
      twimlOf(o.ivr, step, { centerName: () => o.centerNameOf(id), gatherUrl: (n) => `${o.publicUrl}/twilio/gather/${id}?step=${n}`, recordUrl: `${o.publicUrl}/twilio/record/${id}` }),
    );
  const hide = { hide: true } as const; // Twilio's protocol, not the public API
  // Thousands of callbacks a second at peak: two info lines each would cost more than the signature check.
  const quiet = { schema: hide, logLevel: 'warn' } as const;

  app.post('/twilio/voice/:id', quiet, async (req: Req, reply) => {
    const id = attempt(req, reply);
    if (!id) return reply;
    o.ledger.apply(id, 'voice', req.body ?? {}, req.body?.CallStatus ?? 'in-progress', now());
    return say(reply, id, FIRST_STEP);
  });

  app.post('/twilio/gather/:id', quiet, async (req: Req, reply) => {
    const id = attempt(req, reply);
    if (!id) return reply;
    const step = parseStep(req.query.step);
    const body = req.body ?? {};
    o.ledger.apply(id, `gather:${step}`, body, null, now());
    const next = afterGather(step, { digits: body.Digits, speech: body.SpeechResult });
    if (next.kind === 'goodbye' && next.optOut) o.onOptOut(id, next.optOut.via);
    return say(reply, id, next);
  });

  app.post('/twilio/record/:id', quiet, async (req: Req, reply) => {
    const id = attempt(req, reply);
    if (!id) return reply;
    o.ledger.apply(id, 'record', req.body ?? {}, null, now());
    return say(reply, id, AFTER_RECORDING);
  });

  app.post('/twilio/status/:id', quiet, async (req: Req, reply) => {
    const id = attempt(req, reply);
    if (!id) return reply;
    const body = req.body ?? {};
    // SequenceNumber orders a call's events; without it, the status itself is the event's identity.
    const key = `status:${body.SequenceNumber ?? body.CallStatus ?? 'unknown'}`;
    o.ledger.apply(id, key, body, body.CallStatus ?? null, now());
    return reply.code(204).send();
  });

  app.post('/twilio/amd/:id', quiet, async (req: Req, reply) => {
    const id = attempt(req, reply);
    if (!id) return reply;
    o.ledger.apply(id, 'amd', req.body ?? {}, null, now());
    return reply.code(204).send();
  });
};
