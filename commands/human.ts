/**
 * The one place that turns times and sizes into text for people (human output on a terminal).
 * JSON output never goes through here: its fields (epoch milliseconds, UTC ISO strings, byte
 * counts) are a contract. A person reading a terminal wants the wall clock they live in and a
 * size they can take in at a glance, so: ISO 8601 in local time with its UTC offset (TZ is
 * respected, as by every other tool on the machine) and binary units (KiB, MiB, ...).
 */

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

/**
 * ISO 8601 in the local time zone with its offset, to the second: `2026-11-26T06:01:02+01:00`.
 * Takes epoch milliseconds, an ISO string or a Date; anything that is not a time comes back as
 * it was, so a malformed field is shown rather than hidden.
 */
export function humanTime(t: number | string | Date): string {
  const d = t instanceof Date ? t : new Date(t);
  if (Number.isNaN(d.getTime())) return String(t);
  const year = d.getFullYear();
  if (year < 0 || year > 9999) return d.toISOString(); // no four-digit local form: keep the exact UTC one
  const off = -d.getTimezoneOffset(); // minutes east of UTC at that instant (daylight saving included)
  const a = Math.abs(off);
  return (
    `${pad(year, 4)}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}` +
    `${off < 0 ? '-' : '+'}${pad(Math.floor(a / 60))}:${pad(a % 60)}`
  );
}

const UNITS = ['KiB', 'MiB', 'GiB', 'TiB', 'PiB', 'EiB'];

/**
 * A byte count in binary units: `512 bytes`, `1.2 KiB`, `3.4 MiB`, `120 GiB` (one decimal below
 * 10 of a unit, whole numbers above, as `ls -h` does).
 */
export function humanSize(n: number): string {
  if (!Number.isFinite(n) || n < 1024) return `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  let v = n;
  let i = -1;
  do {
    v /= 1024;
    i++;
  } while (v >= 1024 && i < UNITS.length - 1);
  let s = v < 9.95 ? v.toFixed(1) : String(Math.round(v));
  if (s === '1024' && i < UNITS.length - 1) {
    s = '1';
    i++;
  }
  return `${s.replace(/\.0$/, '')} ${UNITS[i]}`;
}

/** Field names that hold a point in time: epoch milliseconds or an ISO string (time, headTime, since, sourceTimestamp, ...). */
const TIME_KEY = /^(timestamp|time|at|since|until|takenIn)$|(At|Time|Timestamp|Until)$/;
/** Field names that hold a byte count (bytes, payloadLength, maxFileBytes, ...). */
const SIZE_KEY = /^(bytes|payloadLength)$|Bytes$/;
const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/;
/** Epoch milliseconds from 1973 on: smaller numbers under a time-like name are durations (blockTime: 1000), not times. */
const MIN_EPOCH_MS = 1e11;

/**
 * A field's value for human output: times and sizes by the field's name (and only when the value
 * has the shape of one, so a duration or a count under a similar name is left alone), everything
 * else as String(value). The generic renderer (base.ts `render`) uses this for every field.
 */
export function humanField(key: string | undefined, v: unknown): string {
  if (key !== undefined) {
    if (TIME_KEY.test(key)) {
      if (typeof v === 'string' && ISO.test(v)) return humanTime(v);
      if (typeof v === 'number' && Number.isSafeInteger(v) && v >= MIN_EPOCH_MS) return humanTime(v);
    }
    if (SIZE_KEY.test(key) && typeof v === 'number' && Number.isSafeInteger(v) && v >= 0) return humanSize(v);
  }
  return String(v);
}
