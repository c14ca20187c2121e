import { SipError } from '../errors.ts';
import {
  canReceive,
  directionOf,
  hasRtcpMux,
  intersectDirections,
  ptimeOf,
  reverseDirection,
  rtpMapsOf,
  toDirection,
} from './media-attributes.ts';
import {
  audioSection,
  DEFAULT_PTIME,
  DEFAULT_TELEPHONE_EVENT_PT,
  type G711Codec,
  isNullAddress,
  localSession,
  type MediaCapabilities,
  type NegotiatedMedia,
  notAcceptable,
  pickG711,
  pickTelephoneEvent,
  remoteEndpointOf,
  STATIC_PT,
  unservableReason,
} from './negotiated-media.ts';
import type { SessionDescription } from './session-description.ts';

/**
 * Our offer (RFC 3264 5): one audio stream with `caps.codecs` in our preference order under
 * their static payload types (PCMU 0, PCMA 8), telephone-event 101 with `0-15`, a=ptime
 * (20 by default), a=rtcp-mux unless disabled, and `caps.direction` (sendonly or inactive
 * to hold, 8.4). The o= line is a placeholder that LocalSdpSession fills.
 */
export function createOffer(caps: MediaCapabilities): SessionDescription {
  if (caps.codecs.length === 0) throw new SipError('STATE', 'cannot offer without a codec');
  const sdp = localSession(caps);
  const formats = caps.codecs.map((codec) => ({ pt: STATIC_PT[codec], codec }));
  const tePt = caps.telephoneEvent ? DEFAULT_TELEPHONE_EVENT_PT : undefined;
  sdp.media.push(audioSection(caps, formats, tePt, caps.direction ?? 'sendrecv', caps.rtcpMux !== false));
  return sdp;
}

/**
 * Reads the answer to an offer of ours (RFC 3264 7). The answer must have as many m= lines
 * as the offer (6), otherwise a `PARSE` error; the audio stream must not be rejected and
 * must list a codec of the offer (6.1 lets it add others, which we ignore), otherwise a
 * 488 `REJECTED` error. The answer's first such codec is the one we send, under the
 * answer's payload type; telephone-event is used only if we offered it.
 */
export function processAnswer(offer: SessionDescription, answer: SessionDescription): NegotiatedMedia {
  if (answer.media.length !== offer.media.length) {
    throw new SipError(
      'PARSE',
      `SDP answer has ${answer.media.length} m= lines, the offer had ${offer.media.length} (RFC 3264 6)`,
      400,
    );
  }
  const reasons: string[] = [];
  for (let i = 0; i < offer.media.length; i++) {
    const om = offer.media[i];
    if (unservableReason(om)) continue;
    const am = answer.media[i];
    if (am.port === 0) {
      reasons.push(`m-line ${i + 1}: rejected by the answerer`);
      continue;
    }
    if (am.type.toLowerCase() !== om.type.toLowerCase()) {
      throw new SipError('PARSE', `SDP answer m-line ${i + 1} is ${am.type}, the offer's is ${om.type}`, 400);
    }
    const offeredMaps = rtpMapsOf(om);
    const offeredCodecs: G711Codec[] = [];
    for (const m of offeredMaps) {
      const name = m.encoding.toUpperCase();
      if (name === 'PCMU' || name === 'PCMA') offeredCodecs.push(name);
    }
    const answerMaps = rtpMapsOf(am);
    const codec = pickG711(answerMaps, offeredCodecs);
    if (!codec) {
      reasons.push(`m-line ${i + 1}: no codec of the offer (answered ${am.formats.join(' ') || 'none'})`);
      continue;
    }
    const rtcpMux = hasRtcpMux(om) && hasRtcpMux(am);
    const remote = remoteEndpointOf(answer, am, rtcpMux);
    if (typeof remote === 'string') {
      reasons.push(`m-line ${i + 1}: ${remote}`);
      continue;
    }
    const te = pickTelephoneEvent(offeredMaps) ? pickTelephoneEvent(answerMaps) : undefined;
    const ours = directionOf(offer, om);
    let direction = intersectDirections(ours, reverseDirection(directionOf(answer, am)));
    // RFC 3264 8.4: nothing is sent to 0.0.0.0.
    if (isNullAddress(remote.address)) direction = toDirection(false, canReceive(direction));
    return {
      remote,
      payloadType: codec.payloadType,
      codec: codec.encoding.toUpperCase() as G711Codec,
      clockRate: 8000,
      telephoneEventPt: te?.payloadType,
      ptime: ptimeOf(am, answer) ?? ptimeOf(om, offer) ?? DEFAULT_PTIME,
      direction,
      hold: ours === 'sendonly' || ours === 'inactive',
      mediaIndex: i,
    };
  }
  const why = reasons.length > 0 ? reasons.join('; ') : 'the offer had no audio stream';
  throw notAcceptable(`no usable audio stream in the SDP answer (${why})`);
}
