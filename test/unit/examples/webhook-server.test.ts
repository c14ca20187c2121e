import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { describe, test } from 'node:test';
import request from 'supertest';
import { exampleApp, type Voicemail } from '../../../examples/webhook-server.ts';
import { parseVobizXml } from '../../../src/callflow/parser/parse-vobiz-xml.ts';
import { signatureHeaders } from '../../../src/webhooks/signature.ts';

const XML_DIR = new URL('../../../examples/xml/', import.meta.url);
const ORIGIN = 'http://127.0.0.1:3000';
const TOKEN = 'example-token';

describe('examples', () => {
  for (const name of readdirSync(XML_DIR)) {
    test(`${name} is valid VobizXML`, () => {
      const parsed = parseVobizXml(readFileSync(new URL(name, XML_DIR), 'utf8'));
      assert.ok(parsed.ok, JSON.stringify(parsed));
      assert.deepEqual(parsed.warnings, []);
    });
  }

  test('the example server runs the IVR and the voicemail, checking signatures', async () => {
    const voicemails: Voicemail[] = [];
    const app = exampleApp({ origin: ORIGIN, authToken: TOKEN, voicemails });
    const signed = (path: string) => signatureHeaders(`${ORIGIN}${path}`, TOKEN);

    const unsigned = await request(app).post('/ivr/answer').type('form').send({ CallUUID: 'c1' });
    assert.equal(unsigned.status, 403);
    const wrong = await request(app)
      .post('/ivr/answer')
      .set(signatureHeaders(`${ORIGIN}/ivr/answer`, 'other'))
      .send();
    assert.equal(wrong.status, 403);

    const answer = await request(app).post('/ivr/answer').set(signed('/ivr/answer')).type('form').send({});
    assert.equal(answer.status, 200);
    const menu = parseVobizXml(answer.text);
    assert.ok(menu.ok && menu.document.verbs[0].verb === 'Gather');

    const three = await request(app)
      .post('/ivr/menu')
      .set(signed('/ivr/menu'))
      .type('form')
      .send({ Digits: '3' });
    const vm = parseVobizXml(three.text);
    assert.ok(vm.ok && vm.document.verbs.some((v) => v.verb === 'Record'));

    const saved = await request(app)
      .post('/voicemail/saved')
      .set(signed('/voicemail/saved'))
      .type('form')
      .send({ CallUUID: 'c1', From: '4930123', RecordUrl: 'http://x/r.wav', RecordingDuration: '7' });
    assert.equal(saved.status, 200);
    assert.deepEqual(voicemails, [
      { callUuid: 'c1', from: '4930123', recordUrl: 'http://x/r.wav', seconds: 7 },
    ]);
  });
});
