import { z } from 'zod';
import type { TransferRequest } from '../../src/callflow/call-control.ts';
import { httpUrl, legs, method, opt } from './codecs.ts';

/**
 * POST /Account/{auth_id}/Call/{call_uuid}/ (spec 2.9). `aleg_url` is needed when `legs` is
 * `aleg` or `both`, `bleg_url` when it is `bleg` or `both`; a missing one is a 400 naming it.
 */
export const TransferBody = z
  .object({
    legs: legs(),
    aleg_url: opt(httpUrl()),
    aleg_method: method(),
    bleg_url: opt(httpUrl()),
    bleg_method: method(),
  })
  .superRefine((b, ctx) => {
    if (b.legs !== 'bleg' && b.aleg_url === undefined)
      ctx.addIssue({ code: 'custom', path: ['aleg_url'], message: `is required when legs is ${b.legs}` });
    if (b.legs !== 'aleg' && b.bleg_url === undefined)
      ctx.addIssue({ code: 'custom', path: ['bleg_url'], message: `is required when legs is ${b.legs}` });
  })
  .transform(
    (b): TransferRequest => ({
      legs: b.legs,
      alegUrl: b.legs === 'bleg' ? undefined : b.aleg_url,
      alegMethod: b.aleg_method,
      blegUrl: b.legs === 'aleg' ? undefined : b.bleg_url,
      blegMethod: b.bleg_method,
    }),
  );
