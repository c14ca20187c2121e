import { z } from 'zod';
import type { MakeCallRequest } from '../../src/callflow/call-control.ts';
import { bool, expected, httpUrl, int, method, opt, pattern, sipHeaders, withDefault } from './codecs.ts';

/** Spec 2.1: at most 1000 destinations joined with `<`. */
export const MAX_DESTINATIONS = 1000;

const NUMBER = /^\+?[0-9]{2,20}$/;
const SIP_URI = /^sips?:[^\s<>]+$/i;

/** `to`: destinations separated by `<` (a comma is NOT a separator, spec 2.1). */
const destinations = z.string({ error: expected('destinations separated by <') }).transform((s, ctx) => {
  const parts = s.split('<').map((p) => p.trim());
  if (parts.length > MAX_DESTINATIONS) {
    ctx.addIssue({
      code: 'custom',
      message: `at most ${MAX_DESTINATIONS} destinations, got ${parts.length}`,
    });
    return z.NEVER;
  }
  for (const p of parts) {
    if (!NUMBER.test(p) && !SIP_URI.test(p)) {
      ctx.addIssue({
        code: 'custom',
        message: `expected E.164 numbers or SIP URIs separated by <, got ${JSON.stringify(p.slice(0, 60))}`,
      });
      return z.NEVER;
    }
  }
  return parts;
});

/**
 * Answering-machine detection (spec 2.1): `true` / `hangup` ask for it; `false` (Vobiz's own
 * example sends it) means off. Parsed so that bad values get a 400; the API answers 501 while
 * detection is not implemented.
 */
const machineDetection = z
  .union([z.boolean(), z.enum(['true', 'false', 'hangup'])], { error: expected('true, false or hangup') })
  .transform((v) => (v === true || v === 'true' ? 'true' : v === 'hangup' ? 'hangup' : undefined));

/** What the make-call body decodes to: the engine's request plus what the API itself checks. */
export type MakeCallInput = MakeCallRequest & {
  machineDetection?: 'true' | 'hangup';
  errorIfParentNotFound: boolean;
};

/** POST /Account/{auth_id}/Call/ (spec 2.1). Unknown fields are ignored (additive changes, 1.1). */
export const MakeCallBody = z
  .object({
    from: pattern(/^\+?[0-9A-Za-z._-]{1,64}$/, 'a phone number (E.164, with or without +)'),
    to: destinations,
    answer_url: httpUrl(),
    // Required by the OpenAPI block, optional with default POST in the narrative (spec 8.1).
    answer_method: method(),
    ring_url: opt(httpUrl()),
    ring_method: method(),
    hangup_url: opt(httpUrl()),
    hangup_method: method(),
    fallback_url: opt(httpUrl()),
    fallback_method: method(),
    caller_name: opt(
      z.string({ error: expected('a string') }).max(50, { error: expected('at most 50 characters') }),
    ),
    send_digits: opt(pattern(/^[0-9*#wW]+(@[0-9]{1,5})?$/, 'digits 0-9 * # w W, optionally @<ms>', 256)),
    send_on_preanswer: withDefault(bool(), false),
    // "Values >= 86400 are cut at 24 h" (spec 2.1): a cap, not an error.
    time_limit: withDefault(int({ min: 1, cap: 86400 }), 14400),
    hangup_on_ring: opt(int({ min: 1, max: 86400 })),
    ring_timeout: withDefault(int({ min: 1, max: 86400 }), 120),
    machine_detection: opt(machineDetection),
    machine_detection_time: withDefault(int({ min: 2000, max: 10000 }), 5000),
    machine_detection_url: opt(httpUrl()),
    machine_detection_method: method(),
    machine_detection_maximum_speech_length: withDefault(int({ min: 1000, max: 6000 }), 5000),
    machine_detection_initial_silence: withDefault(int({ min: 2000, max: 10000 }), 4500),
    machine_detection_maximum_words: withDefault(int({ min: 2, max: 10 }), 3),
    machine_detection_initial_greeting: withDefault(int({ min: 1000, max: 5000 }), 1500),
    sip_headers: opt(sipHeaders()),
    parent_call_uuid: opt(pattern(/^[A-Za-z0-9-]{1,64}$/, 'a call UUID')),
    error_if_parent_not_found: withDefault(bool(), false),
    // Plivo's async-API mode (unconfirmed on Vobiz): accepted, and the call is placed as usual.
    callback_url: opt(httpUrl()),
    callback_method: method(),
  })
  .transform(
    (b): MakeCallInput => ({
      from: b.from,
      to: b.to,
      answerUrl: b.answer_url,
      answerMethod: b.answer_method,
      ringUrl: b.ring_url,
      ringMethod: b.ring_method,
      hangupUrl: b.hangup_url,
      hangupMethod: b.hangup_method,
      fallbackUrl: b.fallback_url,
      fallbackMethod: b.fallback_method,
      callerName: b.caller_name,
      sendDigits: b.send_digits,
      sendOnPreanswer: b.send_on_preanswer,
      timeLimit: b.time_limit,
      hangupOnRing: b.hangup_on_ring,
      ringTimeout: b.ring_timeout,
      sipHeaders: b.sip_headers ?? {},
      parentCallUuid: b.parent_call_uuid,
      machineDetection: b.machine_detection,
      errorIfParentNotFound: b.error_if_parent_not_found,
    }),
  );
