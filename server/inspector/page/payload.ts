// What the event log shows of an event's payload. A component event reaches the machines wrapped: the facade's
// event carries WeChat's event as `detail`, whose own `detail` holds the fields (and trtc-wx wraps once more),
// so the raw payload nests `detail` three deep and repeats code and message at each level. The log shows one
// flat object: each `detail` merged into its parent, a field kept once, `currentTarget` dropped when it is the
// `target`. Pure, so Node tests check it as the page runs it.

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);

function same(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  try {
    return JSON.stringify(a) === JSON.stringify(b);
  } catch {
    return false;
  }
}

/** `payload` with nested `detail` objects merged up; a field that differs from its parent's keeps its path. */
export function flattenPayload(payload: Json): Json {
  const out: Json = {};
  const seen = new Set<Json>([payload]);
  const visit = (object: Json, path: string, depth: number) => {
    for (const [key, value] of Object.entries(object)) {
      // Bounded: a hostile payload nesting `detail` a thousand deep stops being merged after a few levels.
      if (key === 'detail' && isObject(value) && depth < 8) {
        if (seen.has(value)) continue;
        seen.add(value);
        visit(value, path === '' ? 'detail' : `${path}.detail`, depth + 1);
        continue;
      }
      if (!(key in out)) out[key] = value;
      else if (!same(out[key], value)) out[path === '' ? key : `${path}.${key}`] = value;
    }
  };
  visit(payload, '', 0);
  if ('currentTarget' in out && 'target' in out && same(out.currentTarget, out.target)) delete out.currentTarget;
  return out;
}
