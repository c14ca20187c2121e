import type { Request, Router } from 'express';
import express from 'express';

/** XML-escapes text for element content and attribute values. */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function base(req: Request): string {
  return `${req.protocol}://${req.get('host')}${req.baseUrl}`;
}

/** Webhook fields from a form POST or a GET query. */
function field(req: Request, name: string): string {
  const body = (req.body ?? {}) as Record<string, unknown>;
  const v = body[name] ?? req.query[name];
  return typeof v === 'string' ? v : '';
}

function digitsSpoken(digits: string): string {
  return [...digits].map((d) => (d === '*' ? 'star' : d === '#' ? 'hash' : d)).join(' ');
}

const MENU = (b: string) => `<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Gather action="${b}/menu" numDigits="1" executionTimeout="8" retries="2">
    <Speak>Welcome to Patchbay. Press 1 to hear who is calling. Press 2 to leave a message and hear it back. Press 3 to type some digits and hear them read back.</Speak>
  </Gather>
  <Speak>We did not hear a key press. Goodbye.</Speak>
  <Hangup/>
</Response>
`;

/**
 * The built-in demo IVR, served by Patchbay's own HTTP server under /demo and used as the
 * answer URL when nothing else is configured: call sip:demo@HOST from any softphone.
 */
export function demoRouter(): Router {
  const router = express.Router();
  router.use(express.urlencoded({ extended: false, limit: '64kb' }));
  const xml = (res: express.Response, body: string) => res.type('application/xml').send(body);

  router.all('/answer', (req, res) => xml(res, MENU(base(req))));

  router.all('/menu', (req, res) => {
    const b = base(req);
    switch (field(req, 'Digits')) {
      case '1':
        return xml(
          res,
          `<Response><Speak>You are calling from ${esc(digitsSpoken(field(req, 'From')) || 'an unknown number')}, and you dialled ${esc(field(req, 'To') || 'nobody')}.</Speak><Redirect>${b}/answer</Redirect></Response>`,
        );
      case '2':
        return xml(
          res,
          `<Response><Speak>After the beep, say something, then press the hash key.</Speak><Record action="${b}/recorded" maxLength="30" timeout="5" finishOnKey="#" redirect="true" fileFormat="wav"/><Speak>No message was recorded.</Speak><Redirect>${b}/answer</Redirect></Response>`,
        );
      case '3':
        return xml(
          res,
          `<Response><Gather action="${b}/digits" finishOnKey="#" numDigits="20" executionTimeout="15"><Speak>Type some digits, then press the hash key.</Speak></Gather><Redirect>${b}/answer</Redirect></Response>`,
        );
      default:
        return xml(
          res,
          `<Response><Speak>That is not on the menu.</Speak><Redirect>${b}/answer</Redirect></Response>`,
        );
    }
  });

  router.all('/recorded', (req, res) => {
    const url = field(req, 'RecordUrl');
    const seconds = field(req, 'RecordingDuration') || '0';
    xml(
      res,
      `<Response><Speak>Your message lasted ${esc(seconds)} seconds. Here it is.</Speak>${url ? `<Play>${esc(url)}</Play>` : ''}<Redirect>${base(req)}/answer</Redirect></Response>`,
    );
  });

  router.all('/digits', (req, res) => {
    const digits = field(req, 'Digits');
    xml(
      res,
      `<Response><Speak>You typed ${esc(digitsSpoken(digits) || 'nothing')}.</Speak><Redirect>${base(req)}/answer</Redirect></Response>`,
    );
  });

  router.all('/hangup', (_req, res) => {
    res.status(200).end();
  });
  return router;
}
