import { z } from 'zod';
import type { DtmfRequest } from '../../src/callflow/call-control.ts';
import { digits, oneOf, opt } from './codecs.ts';

const leg = () => opt(oneOf(['aleg', 'bleg', 'both'] as const));

/**
 * POST /Account/{auth_id}/Call/{call_uuid}/DTMF/ (spec 3.3). The leg is `leg` in the docs and
 * Plivo, `legs` in Vobiz's Go SDK (spec 8.6): both are read, `leg` wins when both are sent;
 * default `aleg`.
 */
export const DtmfBody = z
  .object({ digits: digits(), leg: leg(), legs: leg() })
  .transform((b): DtmfRequest => ({ digits: b.digits, leg: b.leg ?? b.legs ?? 'aleg' }));
