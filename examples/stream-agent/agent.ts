/**
 * A small voice agent for Patchbay's `<Stream>`: it answers the WebSocket, echoes what the
 * caller says back after a delay, marks its playback with checkpoints, barges in with
 * clearAudio when the caller presses `*`, and ends the stream on `#`.
 *
 *   npx tsx examples/stream-agent/agent.ts          # ws://127.0.0.1:8090/agent
 *
 * and answer a call with
 *
 *   <Response>
 *     <Stream bidirectional="true" keepCallAlive="true" contentType="audio/x-l16;rate=16000">ws://127.0.0.1:8090/agent</Stream>
 *     <Speak>The agent has left. Goodbye.</Speak>
 *   </Response>
 *
 * See README.md next to this file for plugging in speech-to-text, an LLM and text-to-speech.
 */
import { pathToFileURL } from 'node:url';
import { type WebSocket, WebSocketServer } from 'ws';
import type { FromAppMessageInput, MediaFormat, StartMessage } from '../../schemas/stream/index.ts';

export interface AgentOptions {
  host?: string;
  port?: number;
  /** How long after the caller speaks the echo plays. */
  delayMs?: number;
  log?: (line: string) => void;
}

export interface RunningAgent {
  url: string;
  close(): Promise<void>;
}

/** Patchbay sends L16 big-endian; playAudio wants little-endian (spec 3.1). µ-law bytes pass as they are. */
function toPlayPayload(payload: string, format: MediaFormat): string {
  if (format.encoding === 'audio/x-mulaw') return payload;
  const bytes = Buffer.from(payload, 'base64');
  bytes.swap16();
  return bytes.toString('base64');
}

/** One call's stream. */
function serve(ws: WebSocket, delayMs: number, log: (line: string) => void): void {
  let start: StartMessage['start'] | undefined;
  let echoed = 0;
  const pending = new Set<NodeJS.Timeout>();
  const send = (msg: FromAppMessageInput) => ws.send(JSON.stringify(msg));

  ws.on('message', (data) => {
    let msg: { event?: string; [k: string]: unknown };
    try {
      msg = JSON.parse(data.toString());
    } catch {
      return;
    }
    switch (msg.event) {
      case 'start':
        start = (msg as unknown as StartMessage).start;
        log(
          `call ${start.callId}: stream ${start.streamId}, ${start.mediaFormat.encoding} ${start.mediaFormat.sampleRate} Hz`,
        );
        break;
      case 'media': {
        const media = msg.media as { track: string; payload: string };
        if (!start || media.track !== 'inbound') return;
        const { mediaFormat, streamId } = start;
        // The echo: the same 20 ms frame, `delayMs` later. A real agent would send its TTS here.
        const timer = setTimeout(() => {
          pending.delete(timer);
          send({
            event: 'playAudio',
            streamId,
            media: {
              contentType: mediaFormat.encoding,
              sampleRate: mediaFormat.sampleRate,
              payload: toPlayPayload(media.payload, mediaFormat),
            },
          });
          // A checkpoint after every second of echo: playedStream says when it was heard.
          if (++echoed % 50 === 0) send({ event: 'checkpoint', streamId, name: `echo-${echoed / 50}` });
        }, delayMs);
        pending.add(timer);
        break;
      }
      case 'playedStream':
        log(`heard up to ${String(msg.name)}`);
        break;
      case 'dtmf': {
        const digit = (msg.dtmf as { digit: string }).digit;
        if (!start) return;
        if (digit === '*') {
          // Barge-in: forget what is waiting here and what Patchbay has queued.
          for (const t of pending) clearTimeout(t);
          pending.clear();
          send({ event: 'clearAudio', streamId: start.streamId });
        } else if (digit === '#') {
          send({ event: 'stop', streamId: start.streamId });
        }
        break;
      }
      case 'clearedAudio':
        log('queue cleared');
        break;
    }
  });
  ws.on('close', () => {
    for (const t of pending) clearTimeout(t);
    log(`stream ${start?.streamId ?? '?'} closed`);
  });
  ws.on('error', () => undefined);
}

export async function startStreamAgent(opts: AgentOptions = {}): Promise<RunningAgent> {
  const host = opts.host ?? '127.0.0.1';
  const log = opts.log ?? (() => {});
  const wss = new WebSocketServer({ host, port: opts.port ?? 0, maxPayload: 1024 * 1024 });
  await new Promise<void>((r) => wss.once('listening', () => r()));
  wss.on('connection', (ws) => serve(ws, opts.delayMs ?? 1000, log));
  const address = wss.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `ws://${host}:${port}/agent`,
    close: () =>
      new Promise<void>((resolve) => {
        for (const c of wss.clients) c.terminate();
        wss.close(() => resolve());
      }),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const agent = await startStreamAgent({
    port: Number(process.env.PORT ?? 8090),
    delayMs: Number(process.env.ECHO_DELAY_MS ?? 1000),
    log: (line) => console.log(line),
  });
  console.log(`stream agent listening on ${agent.url}`);
}
