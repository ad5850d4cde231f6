// Turns inspection events into bounded JSON text. Contexts and events hold things JSON cannot carry or
// should not: actor refs (sent as their id), the page (a label), functions, cycles, credentials, and
// arbitrarily large values. Nothing here may throw into the SDK: the worst case is a placeholder string.

/** Bounds on one inspection message: depth, string and array lengths, and the whole message's size. */
export interface SerializeLimits {
  /** Nesting below this depth becomes '[Object]' / '[Array]'. */
  maxDepth: number;
  /** Longer strings are cut (with a note of how much was cut). */
  maxString: number;
  /** Longer arrays keep their first items and a note of the rest. */
  maxArray: number;
  /** A message longer than this (in UTF-16 units) loses its context, then its payloads, then its definition. */
  maxMessage: number;
}

/** The bounds used unless `limits` says otherwise: depth 12, strings 4096, arrays 200, messages 256 KiB. */
export const DEFAULT_LIMITS: SerializeLimits = { maxDepth: 12, maxString: 4096, maxArray: 200, maxMessage: 256 * 1024 };

/** Keys whose values never leave the device, whatever the inspector is told. */
const SECRET_KEYS = /^(usersig|privatemapkey|secret|secretkey|password|token|authorization)$/i;
/** The same credentials inside a room:// or rtmp:// url's query. */
const SECRET_QUERY = /([?&](?:usersig|privatemapkey|txsecret|sign)=)[^&#]*/gi;

const REDACTED = '[redacted]';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null;
}

/** XState actor refs serialize as { xstate$$type: 1, id }; anything ref-like without toJSON gets the same. */
function refSummary(value: Record<string, unknown>): Json | undefined {
  if (typeof value.sessionId === 'string' && typeof value.send === 'function' && typeof value.getSnapshot === 'function') {
    return { xstate$$type: 1, id: typeof value.id === 'string' ? value.id : value.sessionId };
  }
  return undefined;
}

/** A mini-program page (or the headless one): its route, not its data and methods. */
function pageSummary(value: Record<string, unknown>): string | undefined {
  if (typeof value.setData !== 'function') return undefined;
  return typeof value.route === 'string' ? `[page ${value.route}]` : '[page]';
}

function safeString(text: string, limits: SerializeLimits): string {
  const clean = text.replace(SECRET_QUERY, `$1${REDACTED}`);
  return clean.length > limits.maxString ? `${clean.slice(0, limits.maxString)}… (${clean.length - limits.maxString} more characters)` : clean;
}

/** A JSON-safe copy of `value` within `limits`. */
export function toSafeJson(value: unknown, limits: SerializeLimits = DEFAULT_LIMITS): Json {
  const ancestors: object[] = [];
  const visit = (input: unknown, depth: number): Json | undefined => {
    let current = input;
    if (typeof current === 'string') return safeString(current, limits);
    if (typeof current === 'number') return Number.isFinite(current) ? current : null;
    if (typeof current === 'boolean' || current === null) return current;
    if (typeof current === 'bigint') return current.toString();
    if (typeof current !== 'object') return undefined;
    if (ancestors.includes(current)) return '[Circular]';
    const record = current as Record<string, unknown>;
    const summary = refSummary(record) ?? pageSummary(record);
    if (summary !== undefined) return summary;
    if (typeof record.toJSON === 'function') {
      try {
        current = (record.toJSON as () => unknown).call(record);
      } catch {
        return '[unserializable]';
      }
      if (!isRecord(current)) return visit(current, depth);
      if (ancestors.includes(current)) return '[Circular]';
    }
    if (current instanceof Date) return Number.isNaN(current.getTime()) ? null : current.toISOString();
    if (current instanceof Map) current = Object.fromEntries([...current.entries()].map(([k, v]) => [String(k), v]));
    else if (current instanceof Set) current = [...current];
    if (depth >= limits.maxDepth) return Array.isArray(current) ? '[Array]' : '[Object]';
    ancestors.push(current as object);
    try {
      if (Array.isArray(current)) {
        const items = current.slice(0, limits.maxArray).map((item) => visit(item, depth + 1) ?? null);
        if (current.length > limits.maxArray) items.push(`… ${current.length - limits.maxArray} more items`);
        return items;
      }
      const out: { [key: string]: Json } = {};
      for (const key of Object.keys(current as object)) {
        if (SECRET_KEYS.test(key)) {
          out[key] = REDACTED;
          continue;
        }
        let field: unknown;
        try {
          field = (current as Record<string, unknown>)[key];
        } catch {
          field = '[unreadable]';
        }
        const safe = visit(field, depth + 1);
        if (safe !== undefined) out[key] = safe;
      }
      return out;
    } finally {
      ancestors.pop();
    }
  };
  return visit(value, 0) ?? null;
}

/** The parts of a message that can go, largest and least needed first, when it is over the limit. */
const SHEDDABLE: ReadonlyArray<(message: { [key: string]: Json }) => boolean> = [
  (message) => shed(message.snapshot, 'context'),
  (message) => shed(message, 'definition'),
  (message) => shedPayload(message, 'event'),
  (message) => shedPayload(message.snapshot, 'event'),
  (message) => shed(message.snapshot, 'output') || shed(message.snapshot, 'error'),
];

function shed(holder: Json | undefined, key: string): boolean {
  if (!holder || typeof holder !== 'object' || Array.isArray(holder) || !(key in holder)) return false;
  const size = JSON.stringify(holder[key]).length;
  holder[key] = `[omitted: ${size} characters]`;
  return true;
}

/** Keep an event's type (the log needs it), drop the rest. */
function shedPayload(holder: Json | undefined, key: string): boolean {
  if (!holder || typeof holder !== 'object' || Array.isArray(holder)) return false;
  const event = holder[key];
  if (!event || typeof event !== 'object' || Array.isArray(event)) return false;
  const size = JSON.stringify(event).length;
  holder[key] = { type: typeof event.type === 'string' ? event.type : 'unknown', omitted: `${size} characters` };
  return true;
}

/** One message of JSON text, no longer than limits.maxMessage (or null when even its skeleton is not). */
export function encodeMessage(message: unknown, limits: SerializeLimits = DEFAULT_LIMITS): string | null {
  try {
    const safe = toSafeJson(message, limits);
    // A machine definition is already a string of JSON (Stately's); only the message limit bounds it.
    const definition = isRecord(message) ? message.definition : undefined;
    if (typeof definition === 'string' && safe && typeof safe === 'object' && !Array.isArray(safe)) safe.definition = definition;
    let text = JSON.stringify(safe);
    if (text.length <= limits.maxMessage) return text;
    if (!safe || typeof safe !== 'object' || Array.isArray(safe)) return null;
    for (const step of SHEDDABLE) {
      if (!step(safe)) continue;
      text = JSON.stringify(safe);
      if (text.length <= limits.maxMessage) return text;
    }
    return null;
  } catch {
    return null;
  }
}
