import type { PlayVerb, SpeakVerb, WaitVerb } from '../../schemas/xml/index.ts';
import type { PlayItem } from '../media/media-engine.ts';
import type { VerbContext } from './verb.ts';

/** A verb that only makes sound: what Gather nests, and PreAnswer or a dialMusic document holds. */
export type Prompt = SpeakVerb | PlayVerb | WaitVerb;

/** One prompt as the media engine plays it: items, repeated `loop` times (0 = until stopped). */
export interface PromptPlayback {
  items: PlayItem[];
  loop: number;
}

/**
 * What a prompt plays. Speak and Play keep their `loop` (spec 2.1, 2.2: 0 repeats until
 * stopped); Wait is `length` seconds of silence. Its `silence` and `beep` modes listen to
 * the caller, which a list of sounds cannot: here they play the full length, said once
 * in the log.
 */
export function promptPlayback(prompt: Prompt, ctx: Pick<VerbContext, 'log'>): PromptPlayback {
  switch (prompt.verb) {
    case 'Speak':
      return {
        items: [{ kind: 'speak', text: prompt.text, voice: prompt.voice, language: prompt.language }],
        loop: prompt.loop,
      };
    case 'Play':
      return { items: [{ kind: 'url', url: prompt.url }], loop: prompt.loop };
    case 'Wait':
      if (prompt.silence || prompt.beep) {
        ctx.log.info(
          { at: prompt.path },
          'Wait as a prompt: silence/beep detection is not applied, it waits its length',
        );
      }
      return { items: [{ kind: 'silence', durationMs: prompt.length * 1000 }], loop: 1 };
  }
}

/** Prompts playing one after another. */
export interface PromptsPlayback {
  /** Settles when the last prompt ended (finished, failed or stopped). Never rejects. */
  readonly done: Promise<void>;
  /** Stops every prompt still playing or queued. Idempotent. */
  stop(): void;
}

/**
 * Queues `prompts` on the caller's endpoint in document order. A prompt whose audio cannot
 * be had is skipped (spec 2.2) and logged; the others still play.
 */
export function playPrompts(
  prompts: readonly Prompt[],
  ctx: Pick<VerbContext, 'endpoint' | 'log' | 'signal'>,
): PromptsPlayback {
  const playbacks = prompts.map((prompt) => {
    const { items, loop } = promptPlayback(prompt, ctx);
    const playback = ctx.endpoint.play(items, { loop, signal: ctx.signal });
    playback.done.then((r) => {
      if (r.reason === 'error') {
        ctx.log.warn(
          { at: prompt.path, err: r.error?.message },
          `${prompt.verb} prompt skipped: its audio could not be had`,
        );
      }
    });
    return playback;
  });
  return {
    done: Promise.all(playbacks.map((p) => p.done)).then(() => undefined),
    stop: () => {
      for (const p of playbacks) p.stop();
    },
  };
}
