import type { DialVerb } from '../../../schemas/xml/index.ts';
import type { OutboundLeg } from '../../calls/outbound-leg.ts';
import type { MediaBridge } from '../../media/media-engine.ts';
import { type PromptsPlayback, playPrompts } from '../prompts.ts';
import type { VerbContext } from '../verb.ts';

/**
 * What the caller hears while the B-legs ring (spec 2.5 dialMusic): with dialMusic="real"
 * (the default) the early media of the first callee that sends some (a 183 with SDP), else a
 * ringback tone; with a URL, that document's prompts, repeated until the dial is over. The
 * first B-leg that rings decides, and pre-answers the caller (183) if it is not answered yet;
 * stop() ends whatever plays.
 */
export class Ringback {
  private playing?: { stop(): void };
  private earlyBridge?: MediaBridge;

  constructor(
    private readonly verb: DialVerb,
    private readonly ctx: VerbContext,
  ) {}

  /** A B-leg rang (`early`: its 183 carried SDP, so its media flows now). */
  onRinging(leg: OutboundLeg, early: boolean): void {
    const { verb, ctx } = this;
    if (this.playing || this.earlyBridge) return;
    // The caller got 180 when the call came in; early media starts only now that there is
    // something to hear (a callee that answers before it rings costs the caller no 183).
    if (!ctx.preAnswer()) return;
    if (verb.dialMusic === 'real') {
      if (early) this.earlyBridge = ctx.engine.bridge(ctx.endpoint, leg.endpoint);
      else {
        const playback = ctx.endpoint.play([{ kind: 'tone', tone: 'ringback' }], {
          loop: 0,
          signal: ctx.signal,
        });
        this.playing = { stop: () => playback.stop() };
      }
      return;
    }
    const holder: { stopped: boolean; playback?: PromptsPlayback } = { stopped: false };
    this.playing = {
      stop: () => {
        holder.stopped = true;
        holder.playback?.stop();
      },
    };
    void ctx.loadSound(verb.dialMusic, 'POST').then(async (prompts) => {
      // Repeats the document until the dial is over.
      while (!holder.stopped && prompts.length > 0 && !ctx.signal.aborted) {
        holder.playback = playPrompts(prompts, ctx);
        await holder.playback.done;
      }
    });
  }

  stop(): void {
    this.playing?.stop();
    this.playing = undefined;
    this.earlyBridge?.destroy();
    this.earlyBridge = undefined;
  }
}
