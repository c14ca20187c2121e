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
  type G711Codec,
  isNullAddress,
  localSession,
  type MediaCapabilities,
  type NegotiatedMedia,
  notAcceptable,
  offersHold,
  pickG711,
  pickTelephoneEvent,
  remoteEndpointOf,
  unservableReason,
} from './negotiated-media.ts';
import {
  createMediaDescription,
  type MediaDescription,
  type SessionDescription,
} from './session-description.ts';

export interface SdpAnswer {
  /** Our answer; its o= line is a placeholder for LocalSdpSession to fill. */
  answer: SessionDescription;
  media: NegotiatedMedia;
}

/**
 * Answers a remote offer (RFC 3264 6). The first audio stream we can serve is accepted,
 * every other m= line is rejected with port 0 in the same position (6: the answer has as
 * many m= lines as the offer, in the same order).
 *
 * Codec choice: the offerer's order wins. We take the first payload type of its m= line
 * that is PCMU or PCMA and among `caps.codecs`, which is what callers expect from a server
 * and keeps transcoding away when the B-leg offers the same. The answer lists that one
 * codec (6.1 allows a subset), plus telephone-event at 8000 Hz under the offerer's payload
 * type with `0-15`. Throws a SipError with status 488 when no audio stream is acceptable.
 */
export function createAnswer(offer: SessionDescription, caps: MediaCapabilities): SdpAnswer {
  const answer = localSession(caps);
  // RFC 3264 6: the t= line of the answer equals the offer's.
  if (offer.timings.length > 0) {
    answer.timings = offer.timings.map((t) => ({ start: t.start, stop: t.stop, repeats: [] }));
  }
  let chosen: NegotiatedMedia | undefined;
  const reasons: string[] = [];
  for (let i = 0; i < offer.media.length; i++) {
    const m = offer.media[i];
    if (chosen) {
      answer.media.push(rejected(m));
      continue;
    }
    const accepted = acceptAudio(offer, m, i, caps);
    if (typeof accepted === 'string') {
      reasons.push(`m-line ${i + 1}: ${accepted}`);
      answer.media.push(rejected(m));
    } else {
      chosen = accepted.media;
      answer.media.push(accepted.section);
    }
  }
  if (!chosen) {
    const why = reasons.length > 0 ? reasons.join('; ') : 'no m= line';
    throw notAcceptable(`no acceptable audio stream in the offer (${why})`);
  }
  return { answer, media: chosen };
}

function acceptAudio(
  offer: SessionDescription,
  m: MediaDescription,
  index: number,
  caps: MediaCapabilities,
): { media: NegotiatedMedia; section: MediaDescription } | string {
  const unservable = unservableReason(m);
  if (unservable) return unservable;
  const maps = rtpMapsOf(m);
  const codec = pickG711(maps, caps.codecs);
  if (!codec) return `no common codec (offered ${m.formats.join(' ') || 'none'})`;
  const rtcpMux = caps.rtcpMux !== false && hasRtcpMux(m);
  const remote = remoteEndpointOf(offer, m, rtcpMux);
  if (typeof remote === 'string') return remote;

  const te = caps.telephoneEvent ? pickTelephoneEvent(maps) : undefined;
  const offered = directionOf(offer, m);
  const nullAddress = isNullAddress(remote.address);
  let direction = intersectDirections(reverseDirection(offered), caps.direction ?? 'sendrecv');
  // RFC 3264 8.4: with c=0.0.0.0 nothing is sent to the peer.
  if (nullAddress) direction = toDirection(false, canReceive(direction));
  const name = codec.encoding.toUpperCase() as G711Codec;

  return {
    media: {
      remote,
      payloadType: codec.payloadType,
      codec: name,
      clockRate: 8000,
      telephoneEventPt: te?.payloadType,
      ptime: ptimeOf(m, offer) ?? caps.ptime ?? DEFAULT_PTIME,
      direction,
      hold: offersHold(offer, m),
      mediaIndex: index,
    },
    // RFC 3264 6.1: the same payload type numbers as the offer.
    section: audioSection(
      caps,
      [{ pt: codec.payloadType, codec: name }],
      te?.payloadType,
      direction,
      rtcpMux,
    ),
  };
}

/** RFC 3264 6: a rejected stream has port 0 and keeps the offer's formats (at least one). */
function rejected(m: MediaDescription): MediaDescription {
  return createMediaDescription({
    type: m.type,
    port: 0,
    protocol: m.protocol,
    formats: m.formats.length > 0 ? [...m.formats] : ['0'],
  });
}
