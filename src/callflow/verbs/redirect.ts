import type { RedirectVerb } from '../../../schemas/xml/index.ts';
import type { VerbContext, VerbHandler, VerbOutcome } from '../verb.ts';

/** `<Redirect>`: the document at the URL replaces the rest of this one (spec 2.10). */
export const redirectVerb: VerbHandler<RedirectVerb> = {
  needs: 'none',
  async run(verb: RedirectVerb, ctx: VerbContext): Promise<VerbOutcome> {
    return {
      kind: 'fetch',
      url: verb.url,
      method: verb.method,
      params: { ...ctx.params(), Event: 'Redirect' },
      purpose: 'redirect',
    };
  },
};
