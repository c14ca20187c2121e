import type {
  Attribute,
  Bandwidth,
  Connection,
  ExtraLine,
  MediaDescription,
  SessionDescription,
} from './session-description.ts';

/**
 * Writes a description in the RFC 4566 5 line order, each line ending in CRLF. The lines are
 * joined once: a body built with `+=` is a tree of some forty string pieces (about 2 KB for a
 * 250-byte body) that the session and the dialog keep for the whole call.
 */
export function serializeSdp(sdp: SessionDescription): string {
  const o = sdp.origin;
  const out: string[] = [
    `v=${sdp.version}\r\n`,
    `o=${o.username} ${o.sessionId} ${o.sessionVersion} ${o.netType} ${o.addrType} ${o.address}\r\n`,
    `s=${sdp.sessionName}\r\n`,
  ];
  if (sdp.information !== undefined) out.push(`i=${sdp.information}\r\n`);
  if (sdp.uri !== undefined) out.push(`u=${sdp.uri}\r\n`);
  for (const e of sdp.emails) out.push(`e=${e}\r\n`);
  for (const p of sdp.phones) out.push(`p=${p}\r\n`);
  if (sdp.connection) out.push(connectionLine(sdp.connection));
  bandwidthLines(out, sdp.bandwidths);
  for (const t of sdp.timings) {
    out.push(`t=${t.start} ${t.stop}\r\n`);
    for (const r of t.repeats) out.push(`r=${r}\r\n`);
  }
  if (sdp.timeZones !== undefined) out.push(`z=${sdp.timeZones}\r\n`);
  if (sdp.key !== undefined) out.push(`k=${sdp.key}\r\n`);
  extraLines(out, sdp.extraLines);
  attributeLines(out, sdp.attributes);
  for (const m of sdp.media) mediaSection(out, m);
  return out.join('');
}

function mediaSection(out: string[], m: MediaDescription): void {
  const port = m.portCount === undefined ? String(m.port) : `${m.port}/${m.portCount}`;
  out.push(`m=${m.type} ${port} ${m.protocol}`);
  for (const f of m.formats) out.push(` ${f}`);
  out.push('\r\n');
  if (m.information !== undefined) out.push(`i=${m.information}\r\n`);
  if (m.connection) out.push(connectionLine(m.connection));
  bandwidthLines(out, m.bandwidths);
  if (m.key !== undefined) out.push(`k=${m.key}\r\n`);
  extraLines(out, m.extraLines);
  attributeLines(out, m.attributes);
}

function connectionLine(c: Connection): string {
  let addr = c.address;
  if (c.ttl !== undefined) addr += `/${c.ttl}`;
  if (c.count !== undefined) addr += `/${c.count}`;
  return `c=${c.netType} ${c.addrType} ${addr}\r\n`;
}

function bandwidthLines(out: string[], list: Bandwidth[]): void {
  for (const b of list) out.push(`b=${b.type}:${b.value}\r\n`);
}

function extraLines(out: string[], list: ExtraLine[]): void {
  for (const l of list) out.push(`${l.type}=${l.value}\r\n`);
}

function attributeLines(out: string[], list: Attribute[]): void {
  for (const a of list) out.push(a.value === undefined ? `a=${a.name}\r\n` : `a=${a.name}:${a.value}\r\n`);
}
