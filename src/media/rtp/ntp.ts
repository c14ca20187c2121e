/**
 * NTP timestamps as RTCP carries them (RFC 3550 section 4): 64 bits, seconds since
 * 1900-01-01 in the high word and the fraction of a second in the low word.
 */
export interface NtpTime {
  /** Seconds since 1900, modulo 2^32 (era 0 ends in 2036; the wrap is harmless for RTCP). */
  msw: number;
  /** Fraction of a second in units of 2^-32 s. */
  lsw: number;
}

/** Seconds from 1900-01-01 (NTP epoch) to 1970-01-01 (Unix epoch). */
export const NTP_UNIX_OFFSET_SECONDS = 2_208_988_800;

const TWO_32 = 4_294_967_296;

/** Wall-clock milliseconds (Unix epoch, e.g. `Date.now()`) to a 64-bit NTP timestamp. */
export function msToNtp(ms: number): NtpTime {
  const seconds = Math.floor(ms / 1000);
  const fractionMs = ms - seconds * 1000;
  return {
    msw: (seconds + NTP_UNIX_OFFSET_SECONDS) >>> 0,
    lsw: Math.floor((fractionMs / 1000) * TWO_32) >>> 0,
  };
}

/**
 * A 64-bit NTP timestamp back to Unix milliseconds. Era 0 only: timestamps whose seconds
 * are below the Unix epoch are taken as era 1 (after 2036-02-07).
 */
export function ntpToMs(msw: number, lsw: number): number {
  let seconds = (msw >>> 0) - NTP_UNIX_OFFSET_SECONDS;
  if (seconds < 0) seconds += TWO_32;
  return seconds * 1000 + ((lsw >>> 0) / TWO_32) * 1000;
}

/**
 * The "middle 32 bits" of an NTP timestamp (RFC 3550 section 4): low 16 bits of the
 * seconds and high 16 bits of the fraction, i.e. units of 1/65536 s. Used by LSR (6.4.1)
 * and the round-trip computation.
 */
export function ntpCompact(msw: number, lsw: number): number {
  return (((msw & 0xffff) << 16) | (lsw >>> 16)) >>> 0;
}

/** Wall-clock milliseconds straight to the compact (middle 32 bits) form. */
export function msToNtpCompact(ms: number): number {
  const t = msToNtp(ms);
  return ntpCompact(t.msw, t.lsw);
}

/** A compact NTP value or interval (units of 1/65536 s, e.g. DLSR) in seconds. */
export function compactToSeconds(compact: number): number {
  return (compact >>> 0) / 65536;
}

/** Milliseconds to a compact NTP interval (1/65536 s units), rounded, clamped to 0..2^32-1. */
export function msToCompactInterval(ms: number): number {
  if (!(ms > 0)) return 0;
  const units = Math.round((ms * 65536) / 1000);
  return units >= TWO_32 ? TWO_32 - 1 : units;
}
