import { CallControlError, type TransferRequest } from './call-control.ts';
import type { HttpMethod } from './verb.ts';

/** A document a leg is transferred to (aleg_url / bleg_url with their methods). */
export interface LegDocument {
  url: string;
  method: HttpMethod;
}

/** The documents a transfer request gives each leg (REST 2.9); a leg without one keeps its flow. */
export interface TransferPlan {
  a?: LegDocument;
  b?: LegDocument;
}

/**
 * Checks a transfer request (REST 2.9): the URL of every leg `legs` selects must be there
 * (400 otherwise; the REST schema checks the same before), and only those legs move.
 */
export function transferPlan(req: TransferRequest): TransferPlan {
  const plan: TransferPlan = {};
  if (req.legs === 'aleg' || req.legs === 'both') {
    if (!req.alegUrl)
      throw new CallControlError('BAD_REQUEST', `aleg_url is required when legs is ${req.legs}`);
    plan.a = { url: req.alegUrl, method: req.alegMethod };
  }
  if (req.legs === 'bleg' || req.legs === 'both') {
    if (!req.blegUrl)
      throw new CallControlError('BAD_REQUEST', `bleg_url is required when legs is ${req.legs}`);
    plan.b = { url: req.blegUrl, method: req.blegMethod };
  }
  if (!plan.a && !plan.b)
    throw new CallControlError('BAD_REQUEST', `legs: not aleg, bleg or both: ${req.legs}`);
  return plan;
}
