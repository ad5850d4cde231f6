// The opt-in page binding (TRTC#bindPage): keeps a page's `pusher` and `playerList` equal to what the whole-list
// pattern would give, paying with path patches, one setData per tick, and never a value the page already has.

import { logger } from '../core/log';
import type { RoomActorRef } from '../machines/room.machine';
import type { RemoteStream } from '../machines/room-events';

/** What setData sends across: JSON, after WeChat's serialization (undefined fields dropped, NaN -> null ...). */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
type JsonObject = { [key: string]: JsonValue };

/** Options of `trtc.bindPage()`: where in page.data the pusher and the players go. */
export interface PageBindingOptions {
  /** Data key the pusher's attributes go to (default 'pusher'); may itself be a data path ('call.pusher'). */
  pusherKey?: string;
  /** Data key the players' attributes go to, in stream order (default 'playerList'). */
  playerListKey?: string;
}

/** The page (or component) side: what `this` offers in a WeChat Page. */
export interface SetDataHost {
  data?: Record<string, unknown>;
  /** WeChat's setData: data paths as keys, the callback once the view has them. */
  setData(patch: Record<string, unknown>, callback?: () => void): void;
}

/** A live binding of a room to a page's data, as `bindPage` returns it. */
export interface PageBinding {
  /** Send what changed now rather than at the end of the tick (a no-op when nothing changed). */
  flush(): void;
  /** Stop following the room; changes still pending are sent first. */
  unbind(): void;
}

export function isSetDataHost(page: unknown): page is SetDataHost {
  return typeof page === 'object' && page !== null && typeof (page as { setData?: unknown }).setData === 'function';
}

// --- the patch computation (pure) -----------------------------------------------------------------------------

/** Keys WeChat's data-path syntax can address as `a.key`; anything else is written by replacing its parent. */
const PATH_SAFE_KEY = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
const hasOwn = (object: object, key: string): boolean => Object.prototype.hasOwnProperty.call(object, key);
const isObject = (value: JsonValue | undefined): value is JsonObject | JsonValue[] => typeof value === 'object' && value !== null;

/**
 * JSON sizes of values already serialized once, by identity. Copies made here are never mutated, so a size
 * stays true for as long as its object lives; that keeps "is the whole value cheaper?" from re-serializing.
 */
export type SizeCache = WeakMap<object, number>;

/** The value exactly as setData would deliver it to the page, or undefined where setData would send nothing. */
export function jsonCopy(value: unknown, sizes?: SizeCache): JsonValue | undefined {
  const text = JSON.stringify(value);
  if (text === undefined) return undefined;
  const copy = JSON.parse(text) as JsonValue;
  if (sizes && isObject(copy)) sizes.set(copy, text.length);
  return copy;
}

function sizeOf(value: JsonValue, sizes: SizeCache): number {
  if (!isObject(value)) return JSON.stringify(value).length;
  let size = sizes.get(value);
  if (size === undefined) {
    if (Array.isArray(value)) {
      // Lists are rebuilt every flush from cached elements: sum them rather than serialize the whole list.
      size = 1 + Math.max(1, value.length);
      for (const element of value) size += sizeOf(element, sizes);
    } else {
      size = JSON.stringify(value).length;
    }
    sizes.set(value, size);
  }
  return size;
}

/** Bytes one `"path":value,` entry adds to the setData payload (ASCII estimate: paths and attribute values are). */
function entryCost(path: string, value: JsonValue, sizes: SizeCache): number {
  return path.length + sizeOf(value, sizes) + 4;
}

type Patch = [path: string, value: JsonValue];

function replace(out: Patch[], path: string, value: JsonValue, sizes: SizeCache): number {
  out.push([path, value]);
  return entryCost(path, value, sizes);
}

/**
 * Append to `out` the cheapest set of path patches that turns `prev` into `next` at `path`; returns their cost.
 * A removed key or a shorter list cannot be expressed as a path (setData only sets), so the container is
 * written whole; otherwise each subtree gets whichever is fewer bytes: its changed leaves, or itself whole.
 */
function diffInto(path: string, prev: JsonValue | undefined, next: JsonValue, out: Patch[], sizes: SizeCache): number {
  if (prev === next) return 0;
  if (!isObject(prev) || !isObject(next) || Array.isArray(prev) !== Array.isArray(next)) {
    return replace(out, path, next, sizes);
  }
  const start = out.length;
  let cost = 0;
  let whole = false;
  if (Array.isArray(next)) {
    const before = prev as JsonValue[];
    if (next.length < before.length) whole = true;
    else {
      for (let i = 0; i < next.length; i++) {
        if (i < before.length && before[i] === next[i]) continue;
        const childPath = `${path}[${i}]`;
        cost += i < before.length ? diffInto(childPath, before[i], next[i]!, out, sizes) : replace(out, childPath, next[i]!, sizes);
      }
    }
  } else {
    const before = prev as JsonObject;
    for (const key in before) {
      if (hasOwn(before, key) && !hasOwn(next, key)) {
        whole = true;
        break;
      }
    }
    if (!whole) {
      for (const key of Object.keys(next)) {
        const value = next[key]!;
        const old = hasOwn(before, key) ? before[key] : undefined;
        if (old === value) continue;
        if (!PATH_SAFE_KEY.test(key)) {
          // Only a changed key needs a path; an unchanged odd key is harmless.
          if (old !== undefined && jsonEqual(old, value)) continue;
          whole = true;
          break;
        }
        cost += diffInto(`${path}.${key}`, old, value, out, sizes);
      }
    }
  }
  if (!whole && out.length === start) return 0;
  if (!whole && cost < entryCost(path, next, sizes)) return cost;
  out.length = start;
  return replace(out, path, next, sizes);
}

function jsonEqual(a: JsonValue, b: JsonValue): boolean {
  if (a === b) return true;
  if (!isObject(a) || !isObject(b) || Array.isArray(a) !== Array.isArray(b)) return false;
  if (Array.isArray(a)) {
    const other = b as JsonValue[];
    return a.length === other.length && a.every((value, i) => jsonEqual(value, other[i]!));
  }
  const other = b as JsonObject;
  const keys = Object.keys(a);
  return keys.length === Object.keys(other).length && keys.every((key) => hasOwn(other, key) && jsonEqual(a[key]!, other[key]!));
}

/**
 * The setData argument that turns what the page has (`prev`, undefined when it has nothing there) into `next`
 * at data path `path`: `{}` when they are equal. Both are JSON values (jsonCopy) and are treated as immutable.
 */
export function computePatch(path: string, prev: JsonValue | undefined, next: JsonValue, sizes: SizeCache = new WeakMap()): Record<string, JsonValue> {
  const out: Patch[] = [];
  diffInto(path, prev, next, out, sizes);
  return Object.fromEntries(out);
}

// --- the binding -----------------------------------------------------------------------------------------------

type Subscription = { unsubscribe(): void };
type Watched = { subscribe(observer: { next: () => void; complete?: () => void }): Subscription };

/** Read a data path ('pusher', 'call.players', 'list[0]') from the page's data, as setData would address it. */
function dataAt(data: Record<string, unknown> | undefined, path: string): unknown {
  let node: unknown = data;
  const pattern = /([^.[\]]+)|\[(\d+)\]/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(path)) !== null) {
    if (typeof node !== 'object' || node === null) return undefined;
    node = (node as Record<string, unknown>)[match[1] ?? match[2]!];
  }
  return node;
}

const NO_PUSHER: object = Object.freeze({});

/** One player the page shows: its actor, the attributes last copied, and where it sits in the list. */
interface Shown {
  source: object;
  value: JsonValue;
  index: number;
  subscription: Subscription;
}

type PlayerRef = RemoteStream['ref'];

class RoomPageBinding implements PageBinding {
  private readonly pusherKey: string;
  private readonly playerListKey: string;
  private readonly sizes: SizeCache = new WeakMap();
  /** What the page has under the two keys: the last values sent (or found at bind time). */
  private pageHasPusher: JsonValue | undefined;
  private pageHasList: JsonValue | undefined;
  /** The attributes object the pusher's shadow was copied from: unchanged identity, unchanged value. */
  private pusherSource: object | null = null;
  private pusherWatch: { ref: object; subscription: Subscription } | null = null;
  /** The players in list order as last sent, and each one's copy. */
  private shownRefs: PlayerRef[] = [];
  private readonly shown = new Map<PlayerRef, Shown>();
  /** Players that reported a new snapshot since the last flush. */
  private readonly changed = new Set<PlayerRef>();
  private lastStreams: readonly RemoteStream[] | null = null;
  private readonly roomSubscription: Subscription;
  private scheduled = false;
  private stopped = false;

  constructor(
    private readonly page: SetDataHost,
    private readonly room: RoomActorRef,
    options: PageBindingOptions,
  ) {
    this.pusherKey = options.pusherKey || 'pusher';
    this.playerListKey = options.playerListKey || 'playerList';
    this.pageHasPusher = jsonCopy(dataAt(page.data, this.pusherKey), this.sizes);
    this.pageHasList = jsonCopy(dataAt(page.data, this.playerListKey), this.sizes);
    this.roomSubscription = room.subscribe({ next: () => this.schedule(), error: () => this.dispose(), complete: () => this.dispose() });
    this.schedule();
  }

  flush(): void {
    this.scheduled = false;
    if (this.stopped) return;
    const { pusher, streams } = this.room.getSnapshot().context;
    const out: Patch[] = [];

    // No pusher yet reads as `{}`, as getPusherAttributes() gives it.
    if (pusher) this.watchPusher(pusher);
    const source = pusher ? pusher.getSnapshot().context.attributes : NO_PUSHER;
    const nextPusher = source !== this.pusherSource ? (jsonCopy(source, this.sizes) ?? {}) : null;
    if (nextPusher) diffInto(this.pusherKey, this.pageHasPusher, nextPusher, out, this.sizes);
    const nextList = this.nextList(streams);
    if (nextList) diffInto(this.playerListKey, this.pageHasList, nextList, out, this.sizes);

    if (out.length > 0) {
      try {
        this.page.setData(Object.fromEntries(out));
      } catch (error) {
        // The page did not take it: keep the old shadow and rebuild the whole list on the next flush.
        this.lastStreams = null;
        throw error;
      }
    }
    // Only now does the page have them.
    if (nextPusher) {
      this.pageHasPusher = nextPusher;
      this.pusherSource = source;
    }
    if (nextList) this.pageHasList = nextList;
  }

  unbind(): void {
    if (this.stopped) return;
    try {
      this.flush();
    } finally {
      this.dispose();
    }
  }

  /**
   * One setData per tick: a microtask runs after the handler or API call that changed the room has returned
   * (and after anything else it did synchronously), but before WeChat delivers the next component event, so
   * changes keep their order and the page's `this.data` is current by the time the next handler reads it.
   */
  private schedule(): void {
    if (this.scheduled || this.stopped) return;
    this.scheduled = true;
    void Promise.resolve().then(() => {
      try {
        this.flush();
      } catch (error) {
        // A page whose setData throws must not turn every later room event into an unhandled rejection.
        this.scheduled = false;
        logger.error('bindPage: page.setData threw; the next change sends what the page is missing', error);
      }
    });
  }

  /**
   * The list the page should have, or null when it already has it. Work is proportional to what changed:
   * the same players in the same order only recopy those that reported a change (a volume tick touches one).
   */
  private nextList(streams: readonly RemoteStream[]): JsonValue[] | null {
    const current = Array.isArray(this.pageHasList) ? this.pageHasList : null;
    const sameOrder =
      current !== null &&
      this.lastStreams !== null &&
      (streams === this.lastStreams || (streams.length === this.shownRefs.length && streams.every((s, i) => s.ref === this.shownRefs[i])));
    this.lastStreams = streams;
    if (sameOrder) {
      if (this.changed.size === 0) return null;
      let next: JsonValue[] | null = null;
      for (const ref of this.changed) {
        const shown = this.shown.get(ref);
        if (!shown) continue;
        const value = this.valueOf(ref, shown);
        if (value === current[shown.index]) continue;
        next ??= current.slice();
        next[shown.index] = value;
      }
      this.changed.clear();
      return next;
    }
    this.changed.clear();
    this.shownRefs = streams.map((s) => s.ref);
    const next = this.shownRefs.map((ref, index) => {
      let shown = this.shown.get(ref);
      if (!shown) {
        const source = ref.getSnapshot().context.attributes;
        // Players change only on the room's word today; watching them keeps the binding right if one ever acts alone.
        const subscription = ref.subscribe({ next: () => this.playerChanged(ref) });
        shown = { source, value: jsonCopy(source, this.sizes) ?? {}, index, subscription };
        this.shown.set(ref, shown);
      }
      shown.index = index;
      return this.valueOf(ref, shown);
    });
    if (this.shown.size > this.shownRefs.length) {
      const present = new Set(this.shownRefs);
      for (const [ref, shown] of this.shown) {
        if (present.has(ref)) continue;
        shown.subscription.unsubscribe();
        this.shown.delete(ref);
      }
    }
    return next;
  }

  /** The player's attributes as the page should have them; copied again only when the actor replaced them. */
  private valueOf(ref: PlayerRef, shown: Shown): JsonValue {
    const source = ref.getSnapshot().context.attributes;
    if (source !== shown.source) {
      shown.source = source;
      shown.value = jsonCopy(source, this.sizes) ?? {};
    }
    return shown.value;
  }

  private playerChanged(ref: PlayerRef): void {
    this.changed.add(ref);
    this.schedule();
  }

  private watchPusher(ref: object): void {
    if (this.pusherWatch?.ref === ref) return;
    this.pusherWatch?.subscription.unsubscribe();
    this.pusherWatch = { ref, subscription: (ref as Watched).subscribe({ next: () => this.schedule() }) };
  }

  private dispose(): void {
    if (this.stopped) return;
    this.stopped = true;
    this.roomSubscription?.unsubscribe();
    this.pusherWatch?.subscription.unsubscribe();
    for (const shown of this.shown.values()) shown.subscription.unsubscribe();
    this.shown.clear();
    this.changed.clear();
    this.pusherWatch = null;
  }
}

/**
 * Keep `page.data[pusherKey]` and `page.data[playerListKey]` equal to the room's pusher and player attributes.
 * While bound, those two keys belong to the binding: a page that also writes them itself leaves the binding's
 * idea of what the page has out of date (unbind and bind again to start from what the page has).
 */
export function bindPage(page: SetDataHost, room: RoomActorRef, options: PageBindingOptions = {}): PageBinding {
  return new RoomPageBinding(page, room, options);
}
