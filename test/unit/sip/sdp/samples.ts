/** SDP bodies seen from real agents, for the SDP tests. Documentation addresses only. */

const crlf = (lines: string[]) => `${lines.join('\r\n')}\r\n`;

/** SIPp 3.6.1 uac_call.xml INVITE body, captured on loopback. */
export const SIPP_OFFER = crlf([
  'v=0',
  'o=sipp 53655765 2353687637 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'm=audio 16000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  'a=sendrecv',
]);

/** The same over IPv6: SIPp writes the o= address in brackets. */
export const SIPP_OFFER_IP6 = crlf([
  'v=0',
  'o=sipp 53655765 2353687637 IN IP6 [::1]',
  's=-',
  'c=IN IP6 ::1',
  't=0 0',
  'm=audio 16000 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  'a=sendrecv',
]);

/** baresip 1.0.0 offer (audio_codecs=pcmu,pcma, rtcp_mux yes), captured on loopback. */
export const BARESIP_OFFER = crlf([
  'v=0',
  'o=- 1738015451 448871693 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'a=tool:baresip 1.0.0',
  'm=audio 20066 RTP/AVP 0 8 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=label:1',
  'a=rtcp-rsize',
  'a=ssrc:4156534326 cname:sip:alice@127.0.0.1:5100',
  'a=rtcp-mux',
  'a=minptime:20',
  'a=ptime:20',
]);

/** baresip 1.0.0 answer to SIPp's PCMU offer, captured on loopback. */
export const BARESIP_ANSWER = crlf([
  'v=0',
  'o=- 4236017153 181179601 IN IP4 127.0.0.1',
  's=-',
  'c=IN IP4 127.0.0.1',
  't=0 0',
  'a=tool:baresip 1.0.0',
  'm=audio 20194 RTP/AVP 0 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=sendrecv',
  'a=label:1',
  'a=ssrc:3029539117 cname:sip:bob@127.0.0.1:5102',
  'a=minptime:20',
  'a=ptime:20',
]);

/** Polycom-style desk phone: wideband codecs first, PCMU/PCMA later, telephone-event 127. */
export const POLYCOM_OFFER = crlf([
  'v=0',
  'o=- 1619794330 1619794330 IN IP4 192.0.2.50',
  's=Polycom IP Phone',
  'c=IN IP4 192.0.2.50',
  't=0 0',
  'a=sendrecv',
  'm=audio 2222 RTP/AVP 9 102 0 8 18 127',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:102 G7221/16000',
  'a=fmtp:102 bitrate=32000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:127 telephone-event/8000',
]);

/** Cisco gateway style: G729 first, PCMA before PCMU, media-level c=, CN, events 0-16. */
export const CISCO_OFFER = crlf([
  'v=0',
  'o=CiscoSystemsSIP-GW-UserAgent 4021 2841 IN IP4 192.0.2.10',
  's=SIP Call',
  'c=IN IP4 192.0.2.10',
  't=0 0',
  'm=audio 16384 RTP/AVP 18 8 0 100 19',
  'c=IN IP4 192.0.2.11',
  'a=rtpmap:18 G729/8000',
  'a=fmtp:18 annexb=no',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:100 X-NSE/8000',
  'a=fmtp:100 192-194',
  'a=rtpmap:19 CN/8000',
  'a=ptime:20',
]);

/** A softphone offering audio and video over IPv6, with a=rtcp (RFC 3605) and b= lines. */
export const VIDEO_IP6_OFFER = crlf([
  'v=0',
  'o=jdoe 2890844526 2890842807 IN IP6 2001:db8::10',
  's=Call',
  'i=A call with video',
  'c=IN IP6 2001:db8::10',
  'b=AS:512',
  't=0 0',
  'm=audio 49170 RTP/AVP 8 0 96',
  'b=AS:64',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:96 telephone-event/8000',
  'a=fmtp:96 0-16',
  'a=rtcp:49171 IN IP6 2001:db8::11',
  'a=ptime:30',
  'm=video 51372 RTP/AVP 97',
  'a=rtpmap:97 H264/90000',
  'a=fmtp:97 profile-level-id=42e01f;packetization-mode=1',
]);
