import { z } from 'zod';
import { httpUrl, locShape, method } from './attr.ts';
import type { ElementSpec } from './element-spec.ts';

/** `<Redirect>` attributes (spec 2.10). */
export const RedirectAttributes = z.object({
  method: method().describe('GET or POST to fetch the URL. Default POST.'),
});

export const RedirectVerbSchema = z.object({
  verb: z.literal('Redirect'),
  ...RedirectAttributes.shape,
  /** Text content: the absolute URL of the next document. */
  url: httpUrl(),
  ...locShape,
});

export type RedirectVerb = z.output<typeof RedirectVerbSchema>;

export const RedirectElement: ElementSpec = {
  name: 'Redirect',
  attributes: RedirectAttributes,
  text: 'url',
  textDescription: 'absolute http(s) URL of the VobizXML that continues the call',
  children: [],
  summary: 'Continue the call with the XML fetched from the URL in the text.',
};
