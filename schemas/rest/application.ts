import { z } from 'zod';
import type { ApplicationRecord } from '../../src/store/types.ts';
import { bool, defined, expected, httpUrl, method, opt, pattern, withDefault } from './codecs.ts';

/** The application fields a client sets (spec 4.1); the API adds app_id, sip_uri and times. */
export type ApplicationFields = Omit<ApplicationRecord, 'app_id' | 'sip_uri' | 'created_at' | 'updated_at'>;

const appName = () => pattern(/^[A-Za-z0-9_-]{1,255}$/, 'letters, digits, - and _ (1-255)', 255);
const optUrl = () => opt(httpUrl());

/**
 * POST /Account/{auth_id}/Application/ (spec 4.1). `app_name` and `answer_url` are required;
 * `answer_method` is required by the spec's create table but, as on make-call, defaults to POST.
 * `hangup_url` defaults to `answer_url`.
 */
export const ApplicationCreateBody = z
  .object({
    app_name: appName(),
    answer_url: httpUrl(),
    answer_method: method(),
    hangup_url: optUrl(),
    hangup_method: method(),
    fallback_answer_url: optUrl(),
    fallback_method: method(),
    message_url: optUrl(),
    message_method: method(),
    default_number_app: withDefault(bool(), false),
    default_endpoint_app: withDefault(bool(), false),
    sub_account: opt(pattern(/^[A-Za-z0-9_-]{1,64}$/, 'a sub-account auth id', 64)),
    application_type: withDefault(pattern(/^[A-Za-z]{1,32}$/, 'an application type such as XML', 32), 'XML'),
    default_app: withDefault(bool(), false),
    enabled: withDefault(bool(), true),
    log_incoming_message: withDefault(bool(), true),
    public_uri: withDefault(bool(), false),
    sip_transfer_url: optUrl(),
    sip_transfer_method: method(),
  })
  .transform(
    (b): ApplicationFields => ({
      ...b,
      hangup_url: b.hangup_url ?? b.answer_url,
      fallback_answer_url: b.fallback_answer_url ?? null,
      message_url: b.message_url ?? null,
      sub_account: b.sub_account ?? null,
      sip_transfer_url: b.sip_transfer_url ?? null,
    }),
  );

const optMethod = () =>
  opt(
    z.preprocess(
      (v) => (typeof v === 'string' ? v.toUpperCase() : v),
      z.enum(['GET', 'POST'], { error: expected('GET or POST') }),
    ),
  );
const optBool = () => opt(bool());
/** In an update, `null` or `""` clears a nullable URL; absent leaves it as it is. */
const clearableUrl = () =>
  z
    .union([z.null(), z.literal('').transform(() => null), httpUrl()], {
      error: expected('an absolute http(s) URL, or null to clear it'),
    })
    .optional();

/**
 * POST /Account/{auth_id}/Application/{app_id}/ (spec 4.1): a partial update; only the fields
 * sent change. `sub_account` is immutable after create, so sending it is a 400.
 */
export const ApplicationUpdateBody = z
  .object({
    app_name: opt(appName()),
    answer_url: optUrl(),
    answer_method: optMethod(),
    hangup_url: optUrl(),
    hangup_method: optMethod(),
    fallback_answer_url: clearableUrl(),
    fallback_method: optMethod(),
    message_url: clearableUrl(),
    message_method: optMethod(),
    default_number_app: optBool(),
    default_endpoint_app: optBool(),
    sub_account: z.undefined({ error: 'is immutable after create' }).optional(),
    application_type: opt(pattern(/^[A-Za-z]{1,32}$/, 'an application type such as XML', 32)),
    default_app: optBool(),
    enabled: optBool(),
    log_incoming_message: optBool(),
    public_uri: optBool(),
    sip_transfer_url: clearableUrl(),
    sip_transfer_method: optMethod(),
  })
  .transform((b): Partial<ApplicationFields> => {
    const { sub_account: _immutable, ...rest } = b;
    return defined(rest);
  });

/** POST /Account/{auth_id}/numbers/{number}/application (spec 4.1): `{ application_id }`. */
export const AttachNumberBody = z.object({
  // A 17-digit app_id is past 2^53: as a JSON number it arrives already rounded, so only
  // numbers that are exact integers are taken; larger ones must be sent as strings.
  application_id: z
    .union(
      [
        z.string(),
        z
          .number()
          .nonnegative()
          .refine(Number.isSafeInteger, { error: 'not an exact integer: send the app_id as a string' }),
      ],
      { error: expected('an app_id') },
    )
    .transform((v) => String(v))
    .pipe(pattern(/^[0-9]{1,32}$/, 'a numeric app_id', 32)),
});
