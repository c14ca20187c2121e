import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import express from 'express';
import request from 'supertest';
import { parseVobizXml } from '../../../src/callflow/parser/parse-vobiz-xml.ts';
import { demoRouter } from '../../../src/demo/demo-app.ts';

const app = express().use('/demo', demoRouter());

async function verbsOf(path: string, form: Record<string, string> = {}) {
  const res = await request(app).post(path).type('form').send(form);
  assert.equal(res.status, 200);
  assert.match(res.headers['content-type'], /application\/xml/);
  const parsed = parseVobizXml(res.text);
  assert.ok(parsed.ok, `valid VobizXML from ${path}: ${JSON.stringify(parsed)}`);
  return parsed.document.verbs;
}

describe('the built-in demo IVR', () => {
  test('answers with a one-key menu whose action points back at the demo', async () => {
    const verbs = await verbsOf('/demo/answer');
    const gather = verbs[0];
    assert.equal(gather.verb, 'Gather');
    if (gather.verb !== 'Gather') return;
    assert.equal(gather.numDigits, 1);
    assert.match(gather.action, /^http:\/\/127\.0\.0\.1:\d+\/demo\/menu$/);
    assert.deepEqual(
      verbs.map((v) => v.verb),
      ['Gather', 'Speak', 'Hangup'],
    );
  });

  test('key 1 reads the caller back, escaping what the caller controls', async () => {
    const verbs = await verbsOf('/demo/menu', { Digits: '1', From: '4915<1>', To: 'demo&co' });
    assert.equal(verbs[0].verb, 'Speak');
    if (verbs[0].verb === 'Speak') assert.match(verbs[0].text, /demo&co/);
    assert.equal(verbs[1].verb, 'Redirect');
  });

  test('key 2 records a message and plays it back', async () => {
    const verbs = await verbsOf('/demo/menu', { Digits: '2' });
    const record = verbs.find((v) => v.verb === 'Record');
    assert.ok(record && record.verb === 'Record' && record.redirect && record.finishOnKey === '#');
    const back = await verbsOf('/demo/recorded', {
      RecordUrl: 'http://127.0.0.1:8080/r/1.wav',
      RecordingDuration: '3',
    });
    assert.deepEqual(
      back.map((v) => v.verb),
      ['Speak', 'Play', 'Redirect'],
    );
  });

  test('key 3 collects digits and reads them back; other keys return to the menu', async () => {
    const verbs = await verbsOf('/demo/menu', { Digits: '3' });
    assert.equal(verbs[0].verb, 'Gather');
    const read = await verbsOf('/demo/digits', { Digits: '42*' });
    assert.ok(read[0].verb === 'Speak' && read[0].text.includes('4 2 star'));
    const other = await verbsOf('/demo/menu', { Digits: '9' });
    assert.deepEqual(
      other.map((v) => v.verb),
      ['Speak', 'Redirect'],
    );
  });
});
