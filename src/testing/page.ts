// A Page host for Node: what `Page({...})` gives a page in WeChat, enough for trtc-wx style pages.
// `this.data`, `this.setData` (path keys, a completion callback after the update, every call recorded with
// its size), and `trigger(handler, detail, target)` to deliver a component event the way WXML binds
// `bindstatechange="_pusherStateChangeHandler"`.

import { applySetData } from './set-data';

/** One recorded setData call. */
export interface SetDataRecord {
  patch: Record<string, unknown>;
  /** Bytes of the JSON that crossed to the view layer: the cost the mini-program pays. */
  bytes: number;
}

/** The element an event came from: `currentTarget` / `target` of a WXML event. */
export interface ComponentTarget {
  id?: string;
  dataset?: Record<string, unknown>;
}

/** A page as `Page({...})` makes it: the definition's methods, `data`, `setData`, plus recording and `trigger`. */
export type PageInstance<M extends object = Record<string, unknown>> = M & {
  data: Record<string, unknown>;
  /** WeChat's setData: data paths as keys; the callback runs after the update, on a later turn. */
  setData(patch: Record<string, unknown>, callback?: () => void): void;
  /** Every setData call, in order. */
  readonly setDataCalls: SetDataRecord[];
  /** Deliver a component event to a page method, as WXML would. */
  trigger(method: string, detail: Record<string, unknown>, target?: ComponentTarget): void;
};

/** Make a page instance from a `Page({...})` definition (its `data` is deep-copied, its methods bound as `this`). */
export function createPage<M extends object>(definition: M & { data?: Record<string, unknown> }): PageInstance<M> {
  const setDataCalls: SetDataRecord[] = [];
  const page = Object.assign(Object.create(null) as object, definition, {
    data: JSON.parse(JSON.stringify(definition.data ?? {})) as Record<string, unknown>,
    setDataCalls,
    setData(this: PageInstance<M>, patch: Record<string, unknown>, callback?: () => void) {
      const json = JSON.stringify(patch);
      setDataCalls.push({ patch: JSON.parse(json) as Record<string, unknown>, bytes: Buffer.byteLength(json) });
      applySetData(this.data, patch);
      // WeChat calls back once the view has the data: after the current logic-layer turn.
      if (callback) setTimeout(callback, 0);
    },
    trigger(this: Record<string, unknown>, method: string, detail: Record<string, unknown>, target: ComponentTarget = {}) {
      const fn = this[method];
      if (typeof fn !== 'function') throw new Error(`page has no method ${method}`);
      const element = { id: target.id ?? '', dataset: target.dataset ?? {} };
      (fn as (event: unknown) => void).call(this, { type: method, detail, currentTarget: element, target: element, timeStamp: Date.now() });
    },
  }) as PageInstance<M>;
  return page;
}
