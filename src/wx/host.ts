// What src/wx needs to know about the page that owns the <live-pusher>/<live-player> tags. The machines
// carry it as an opaque value; only this folder looks inside.

/** The page (or component) instance a TRTC facade or room actor was created with. */
export type PageHost = object;

/** True where a `wx` global exists (a mini-program, or the headless runtime in src/testing). */
export function hasWx(): boolean {
  return typeof wx !== 'undefined' && wx !== null;
}

/** The options bag every WeChat context method takes: the page's own callbacks pass through untouched. */
export interface WxCallbacks {
  success?: (result: unknown) => void;
  fail?: (result: { errMsg?: string } & Record<string, unknown>) => void;
  complete?: (result: unknown) => void;
  [option: string]: unknown;
}

/**
 * Tell a page's callbacks a call could not be made (the player is gone, the method is missing, the state does not
 * allow it). `errCode` is a code from src/core/errors.ts, next to WeChat's own `errMsg`. Returns whether the page gave a
 * `fail` callback, i.e. whether it has been answered; without one the caller must answer another way (an ERROR).
 */
export function failCall(options: WxCallbacks | undefined, errMsg: string, errCode?: number): boolean {
  const result = errCode === undefined ? { errMsg } : { errMsg, errCode };
  try {
    options?.fail?.(result);
    options?.complete?.(result);
  } catch {
    // The page's own callback threw; that must not break the room.
  }
  return hasFailCallback(options);
}

/** Whether the page gave a `fail` callback: refusals then go to it, not to an ERROR event. */
export function hasFailCallback(options: WxCallbacks | undefined): boolean {
  return typeof options?.fail === 'function';
}

/**
 * Tell a page's callbacks a call succeeded without WeChat being asked: what it wants is already so (stop() of a push
 * that is not running, stopBGM() with no music). `errMsg` follows WeChat's `method:ok`.
 */
export function succeedCall(options: WxCallbacks | undefined, method: string): void {
  const result = { errMsg: `${method}:ok` };
  try {
    options?.success?.(result);
    options?.complete?.(result);
  } catch {
    // The page's own callback threw; that must not break the room.
  }
}
