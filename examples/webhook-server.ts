/**
 * A small customer application for Patchbay: an IVR menu and a voicemail box, answering
 * Patchbay's webhooks with VobizXML. Run it next to Patchbay:
 *
 *   npx tsx examples/webhook-server.ts            # listens on 127.0.0.1:3000
 *   PATCHBAY_ANSWER_URL=http://127.0.0.1:3000/ivr/answer \
 *   PATCHBAY_HANGUP_URL=http://127.0.0.1:3000/hangup npm start
 *
 * Requests are checked against X-Vobiz-Signature-V3 when PATCHBAY_AUTH_TOKEN is set here too.
 */
import { readFileSync } from 'node:fs';
import express, { type Express, type Request } from 'express';
import { verifyWebhookSignature } from '../src/webhooks/signature.ts';

export interface Voicemail {
  callUuid: string;
  from: string;
  recordUrl: string;
  seconds: number;
}

const xmlFile = (name: string) => readFileSync(new URL(`./xml/${name}`, import.meta.url), 'utf8');

function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The example application; `origin` is where Patchbay reaches it (its action URLs point there). */
export function exampleApp(opts: { origin: string; authToken?: string; voicemails?: Voicemail[] }): Express {
  const app = express();
  const voicemails = opts.voicemails ?? [];
  const rebase = (xml: string) => xml.replaceAll('http://127.0.0.1:3000', opts.origin);
  app.use(express.urlencoded({ extended: false }));
  app.use((req, res, next) => {
    if (!opts.authToken) return next();
    const ok = verifyWebhookSignature({
      url: `${opts.origin}${req.path}`,
      nonce: req.get('X-Vobiz-Signature-V3-Nonce') ?? '',
      signature: req.get('X-Vobiz-Signature-V3') ?? '',
      authToken: opts.authToken,
    });
    if (!ok) {
      res.status(403).send('bad signature');
      return;
    }
    next();
  });
  const field = (req: Request, name: string): string =>
    String((req.body as Record<string, string>)[name] ?? '');
  const xml = (res: express.Response, body: string) => res.type('application/xml').send(body);

  app.post('/ivr/answer', (_req, res) => xml(res, rebase(xmlFile('ivr-menu.xml'))));
  app.post('/ivr/menu', (req, res) => {
    switch (field(req, 'Digits')) {
      case '1':
        return xml(
          res,
          '<Response><Speak>Our sales team is busy. Please call back later.</Speak><Hangup/></Response>',
        );
      case '2':
        return xml(res, '<Response><Speak>Support is open from nine to five.</Speak><Hangup/></Response>');
      default:
        return xml(res, rebase(xmlFile('voicemail.xml')));
    }
  });
  app.post('/voicemail/saved', (req, res) => {
    voicemails.push({
      callUuid: field(req, 'CallUUID'),
      from: field(req, 'From'),
      recordUrl: field(req, 'RecordUrl'),
      seconds: Number(field(req, 'RecordingDuration')),
    });
    xml(
      res,
      `<Response><Speak>Thank you. Your message of ${esc(field(req, 'RecordingDuration'))} seconds was saved.</Speak><Hangup/></Response>`,
    );
  });
  app.get('/voicemail', (_req, res) => res.json(voicemails));
  app.post('/hangup', (req, res) => {
    console.log(
      `call ${field(req, 'CallUUID')} ended: ${field(req, 'HangupCauseName')} (${field(req, 'HangupSource')})`,
    );
    res.sendStatus(200);
  });
  return app;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 3000);
  const origin = `http://127.0.0.1:${port}`;
  exampleApp({ origin, authToken: process.env.PATCHBAY_AUTH_TOKEN }).listen(port, '127.0.0.1', () => {
    console.log(
      `example application on ${origin}: answer URL ${origin}/ivr/answer, hangup URL ${origin}/hangup`,
    );
  });
}
