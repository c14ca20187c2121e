import type {
  Attribute,
  Bandwidth,
  Connection,
  ExtraLine,
  MediaDescription,
  SessionDescription,
} from './session-description.ts';

/** Writes a description in the RFC 4566 5 line order, each line ending in CRLF. */
export function serializeSdp(sdp: SessionDescription): string {
  const o = sdp.origin;
  let out = `v=${sdp.version}\r\n`;
  out += `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}\r\n`;
  out += `s=${sdp.sessionName}\r\n`;
  if (sdp.information !== undefined) out += `i=${sdp.information}\r\n`;
  if (sdp.uri !== undefined) out += `u=${sdp.uri}\r\n`;
  for (const e of sdp.emails) out += `e=${e}\r\n`;
  for (const p of sdp.phones) out += `p=${p}\r\n`;
  if (sdp.connection) out += connectionLine(sdp.connection);
  out += bandwidthLines(sdp.bandwidths);
  for (const t of sdp.timings) {
    out += `t=${t.start} ${t.stop}\r\n`;
    for (const r of t.repeats) out += `r=${r}\r\n`;
  }
  if (sdp.timeZones !== undefined) out += `z=${sdp.timeZones}\r\n`;
  if (sdp.key !== undefined) out += `k=${sdp.key}\r\n`;
  out += extraLines(sdp.extraLines);
  out += attributeLines(sdp.attributes);
  for (const m of sdp.media) out += mediaSection(m);
  return out;
}

function mediaSection(m: MediaDescription): string {
  const port = m.portCount === undefined ? String(m.port) : `${m.port}/${m.portCount}`;
  let out = `m=${m.type} ${port} ${m.protocol}`;
  for (const f of m.formats) out += ` ${f}`;
  out += '\r\n';
  if (m.information !== undefined) out += `i=${m.information}\r\n`;
  if (m.connection) out += connectionLine(m.connection);
  out += bandwidthLines(m.bandwidths);
  if (m.key !== undefined) out += `k=${m.key}\r\n`;
  out += extraLines(m.extraLines);
  out += attributeLines(m.attributes);
  return out;
}

function connectionLine(c: Connection): string {
  let addr = c.address;
  if (c.ttl !== undefined) addr += `/${c.ttl}`;
  if (c.count !== undefined) addr += `/${c.count}`;
  return `c=${c.netType} ${c.addrType} ${addr}\r\n`;
}

function bandwidthLines(list: Bandwidth[]): string {
  let out = '';
  for (const b of list) out += `b=${b.type}:${b.value}\r\n`;
  return out;
}

function extraLines(list: ExtraLine[]): string {
  let out = '';
  for (const l of list) out += `${l.type}=${l.value}\r\n`;
  return out;
}

function attributeLines(list: Attribute[]): string {
  let out = '';
  for (const a of list) out += a.value === undefined ? `a=${a.name}\r\n` : `a=${a.name}:${a.value}\r\n`;
  return out;
}
