import { canonicalName } from './header-names.ts';
import { type CSeq, SipRequest } from './message.ts';
import { NameAddr } from './name-addr.ts';
import { singleNameAddrAt } from './name-addr-parser.ts';
import { callIdAt, cseqAt, MAX_CSEQ } from './scalar-parsers.ts';
import { skipWs, trimEnd } from './scanner.ts';
import { Source } from './source.ts';
import { Uri } from './uri.ts';
import { parseUri, parseUriAt } from './uri-parser.ts';
import type { Via } from './via.ts';
import { viaListAt } from './via-parser.ts';

/**
 * Salvages what a 400 (or 505, 513 ...) response needs from a request that failed to parse
 * (RFC 3261 8.2.6.2 copies Via, From, To, Call-ID and CSeq; 18.2.2 routes by the Via).
 * Tolerant and slow: it only runs for defective requests. Every Via value must parse, so
 * that no response goes to a guessed address; From, To and CSeq are read leniently when
 * they were the defect; undefined when any of the five is still missing. The Request-URI
 * is a placeholder when it was the defect.
 */
export function recoverPartial(text: string): SipRequest | undefined {
  const end = text.indexOf('\r\n\r\n');
  const head = end < 0 ? text : text.slice(0, end);
  const fields = head.split(/\r?\n(?![ \t])/);
  const vias: Via[] = [];
  let from: NameAddr | undefined;
  let to: NameAddr | undefined;
  let callId: string | undefined;
  let cseq: CSeq | undefined;
  for (let n = 1; n < fields.length; n++) {
    const line = fields[n].replace(/[ \t]*\r?\n[ \t]+/g, ' ');
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    const name = canonicalName(line.slice(0, colon).replace(/[ \t]+$/, '')).toLowerCase();
    const src = Source.of(line.slice(colon + 1));
    const vs = skipWs(src.b, 0, src.b.length);
    const ve = trimEnd(src.b, vs, src.b.length);
    try {
      if (name === 'via') viaListAt(src, vs, ve, vias);
      else if (name === 'from' && !from) from = lenientNameAddr(src, vs, ve, 'From');
      else if (name === 'to' && !to) to = lenientNameAddr(src, vs, ve, 'To');
      else if (name === 'call-id' && callId === undefined) callId = callIdAt(src, vs, ve);
      else if (name === 'cseq' && !cseq) cseq = lenientCSeq(src, vs, ve);
    } catch {
      if (name === 'via') return undefined;
    }
  }
  if (vias.length === 0 || !from || !to || callId === undefined || !cseq) return undefined;
  const start = fields[0];
  const sp1 = start.indexOf(' ');
  const word = sp1 > 0 ? start.slice(0, sp1) : '';
  const req = new SipRequest(
    /^[A-Za-z0-9.!%*_+`'~-]+$/.test(word) ? word : cseq.method,
    requestUri(start, sp1),
  );
  req.via = vias;
  req.from = from;
  req.to = to;
  req.callId = callId;
  req.cseq = cseq;
  return req;
}

/**
 * From or To as well as it goes: strictly, else the URI between '<' and '>' (trimmed), the
 * text before it as display name and the tag, enough for a response that the client's
 * transaction still matches (RFC 3261 17.1.3 matches on Via branch and CSeq method).
 */
function lenientNameAddr(src: Source, vs: number, ve: number, what: string): NameAddr | undefined {
  try {
    return singleNameAddrAt(src, vs, ve, what, true) as NameAddr;
  } catch {
    // fall through to the lenient reading
  }
  const v = src.text(vs, ve);
  const lt = v.lastIndexOf('<');
  const gt = v.indexOf('>', lt + 1);
  let uri: Uri;
  let displayName: string | undefined;
  let rest: string;
  try {
    if (lt >= 0 && gt > lt) {
      uri = parseUri(v.slice(lt + 1, gt));
      displayName = v.slice(0, lt).replace(/^\s*"?|"?\s*$/g, '') || undefined;
      rest = v.slice(gt + 1);
    } else {
      const semi = v.indexOf(';');
      uri = parseUri(semi < 0 ? v : v.slice(0, semi));
      rest = semi < 0 ? '' : v.slice(semi);
    }
  } catch {
    return undefined;
  }
  const na = new NameAddr(uri, { displayName });
  const tag = /;\s*tag\s*=\s*([A-Za-z0-9.!%*_+`'~-]+)/i.exec(rest);
  if (tag) na.tag = tag[1];
  return na;
}

/**
 * CSeq as well as it goes: strictly, else a number out of range (RFC 4475 3.1.2.4) is
 * clamped to the largest legal one, so that the 400 still reaches the client's transaction
 * (matched on branch and method, RFC 3261 17.1.3).
 */
function lenientCSeq(src: Source, vs: number, ve: number): CSeq | undefined {
  try {
    return cseqAt(src, vs, ve);
  } catch {
    const m = /^(\d+)[ \t]+([A-Za-z0-9.!%*_+`'~-]+)$/.exec(src.text(vs, ve));
    return m ? { seq: Math.min(Number(m[1]), MAX_CSEQ), method: m[2] } : undefined;
  }
}

function requestUri(start: string, sp1: number): Uri {
  const sp2 = start.lastIndexOf(' ');
  if (sp1 > 0 && sp2 > sp1 + 1) {
    try {
      const src = Source.of(start.slice(sp1 + 1, sp2));
      return parseUriAt(src, 0, src.b.length, 'Request-URI');
    } catch {
      // the Request-URI was the defect
    }
  }
  return new Uri({ scheme: 'sip' });
}
