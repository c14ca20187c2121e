/** The timestamp spellings of the REST API's objects; all in UTC. */

function parts(d: Date) {
  const p = (n: number, w = 2) => String(n).padStart(w, '0');
  return {
    date: `${d.getUTCFullYear()}-${p(d.getUTCMonth() + 1)}-${p(d.getUTCDate())}`,
    time: `${p(d.getUTCHours())}:${p(d.getUTCMinutes())}:${p(d.getUTCSeconds())}`,
    // JavaScript time has milliseconds; the spec's six digits end in 000.
    micros: `${p(d.getUTCMilliseconds(), 3)}000`,
  };
}

/** `2026-06-11 16:03:28.586839` (spec 2.2 session_start). */
export function microsTime(iso: string | Date): string {
  const { date, time, micros } = parts(new Date(iso));
  return `${date} ${time}.${micros}`;
}

/** `2026-04-02 12:11:19.740666+00:00` (spec 4.1 created_at, 4.5 add_time). */
export function zonedMicrosTime(iso: string | Date): string {
  return `${microsTime(iso)}+00:00`;
}

/** `yyyy-MM-dd HH:mm:ss` (spec 2.10, the Call object's times). */
export function secondsTime(iso: string | Date): string {
  const { date, time } = parts(new Date(iso));
  return `${date} ${time}`;
}
