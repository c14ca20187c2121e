import { z } from 'zod';
import { bool, int, locShape } from './attr.ts';
import type { AttributeNote, ElementSpec } from './element-spec.ts';

/** `<Wait>` attributes (spec 2.3). */
export const WaitAttributes = z.object({
  length: int({ min: 1 }).default(1).describe('Pause in seconds. Default 1.'),
  silence: bool()
    .default(false)
    .describe('true: end the wait early after minSilence ms of silence. Default false.'),
  minSilence: int({ min: 1 })
    .default(2000)
    .describe('Silence (ms) that ends the wait when silence="true"; shorter than length. Default 2000.'),
  beep: bool().default(false).describe('true: wait for an answering-machine beep. Default false.'),
});

export const WaitVerbSchema = z.object({
  verb: z.literal('Wait'),
  ...WaitAttributes.shape,
  ...locShape,
});

export type WaitVerb = z.output<typeof WaitVerbSchema>;

/**
 * Soft constraints (Appendix A, end; spec 2.3): they do not stop the call, so they are warnings.
 * minSilence only matters with silence="true" and must be shorter than length; silence and beep
 * are mutually exclusive (beep only applies when silence is not in use).
 */
function waitNotes(attrs: Readonly<Record<string, string>>): AttributeNote[] {
  const notes: AttributeNote[] = [];
  const silence = attrs.silence === 'true';
  if (attrs.minSilence !== undefined && !silence) {
    notes.push({ attr: 'minSilence', message: 'ignored: minSilence only applies with silence="true"' });
  }
  if (silence && attrs.minSilence !== undefined && /^[0-9]+$/.test(attrs.minSilence)) {
    const length = attrs.length !== undefined && /^[0-9]+$/.test(attrs.length) ? Number(attrs.length) : 1;
    if (Number(attrs.minSilence) >= length * 1000) {
      notes.push({
        attr: 'minSilence',
        message: `${attrs.minSilence} ms is not shorter than length (${length} s): the wait always lasts length`,
      });
    }
  }
  if (silence && attrs.beep === 'true') {
    notes.push({ attr: 'beep', message: 'ignored: silence and beep are mutually exclusive, silence wins' });
  }
  return notes;
}

export const WaitElement: ElementSpec = {
  name: 'Wait',
  attributes: WaitAttributes,
  children: [],
  summary: 'Pause (silence), optionally ending early on silence or on an answering-machine beep.',
  notes: waitNotes,
};
