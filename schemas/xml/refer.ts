import { z } from 'zod';
import { bool, httpUrl, int, keyValues, locShape, method, oneOf, pattern } from './attr.ts';
import type { ElementSpec } from './element-spec.ts';

/**
 * `<Refer>` attributes: a Patchbay extension, no hosted dialect has it (DESIGN 1). It asks the
 * caller's side to transfer the call itself with a SIP REFER (RFC 3515), e.g. a carrier that
 * supports transfer, and reports the outcome to `action`.
 */
export const ReferAttributes = z.object({
  action: httpUrl()
    .optional()
    .describe('Absolute URL told the outcome (ReferStatus, ReferSipStatus) when the Refer ends.'),
  method: method().describe('GET or POST for action. Default POST.'),
  redirect: bool()
    .default(true)
    .describe('true: when the transfer did not happen, the XML returned by action takes over. Default true.'),
  timeout: int({ min: 1, max: 600 })
    .default(30)
    .describe('Seconds to wait for the final NOTIFY once the REFER is accepted. Default 30.'),
  sipHeaders: keyValues()
    .default({})
    .describe('Custom SIP headers for the REFER (sent as X-PH-name): name=value pairs, [A-Za-z0-9] only.'),
  mode: oneOf(['blind', 'attended'])
    .default('blind')
    .describe(
      'blind: REFER to the target. attended: call the target first, then REFER with Replaces so that the caller replaces that call. Default blind.',
    ),
});

export const ReferVerbSchema = z.object({
  verb: z.literal('Refer'),
  ...ReferAttributes.shape,
  /** Text content: where the caller's side should call, a sip:, sips: or tel: URI. */
  target: pattern(/^(sips?:[^\s<>"]+|tel:\+?[0-9*#.()-]{1,32})$/, 'a sip:, sips: or tel: URI'),
  ...locShape,
});

export type ReferVerb = z.output<typeof ReferVerbSchema>;

export const ReferElement: ElementSpec = {
  name: 'Refer',
  attributes: ReferAttributes,
  text: 'target',
  textDescription: 'transfer target: a sip:, sips: or tel: URI',
  children: [],
  summary: 'Patchbay extension: transfer the caller with a SIP REFER and report the outcome to action.',
};
