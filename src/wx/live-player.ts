// <live-player> contexts, one per remote stream. Players are many (up to 8 visible, more in a live room),
// so they are reached through plain functions the player machine calls as actions rather than an invoked
// actor each: an invoked actor per player doubled a player's heap in measurement (2.6 KB -> 4.6 KB).
// The registry is keyed by page so two pages with the same player id never share a context.

import { logger } from '../log';
import { asWxInstance, hasWx, type PageHost, type WxCallbacks } from './host';

export type PlayerContextMethod =
  | 'play' | 'stop' | 'pause' | 'resume' | 'mute' | 'snapshot' | 'requestFullScreen' | 'exitFullScreen'
  | 'requestPictureInPicture' | 'exitPictureInPicture';

type LivePlayerContextLike = { [method in PlayerContextMethod]?: (options?: WxCallbacks) => void };

const contextsByPage = new WeakMap<PageHost, Map<string, LivePlayerContextLike>>();
/** Stand-in key for actors created without a page (the statechart API used outside a page). */
const NO_PAGE: PageHost = {};

function contextFor(page: PageHost | undefined, id: string, create: boolean): LivePlayerContextLike | null {
  const key = page ?? NO_PAGE;
  let contexts = contextsByPage.get(key);
  const existing = contexts?.get(id);
  if (existing || !create || !hasWx()) return existing ?? null;
  const created = wx.createLivePlayerContext(id, asWxInstance(page)) as unknown as LivePlayerContextLike;
  if (!contexts) {
    contexts = new Map();
    contextsByPage.set(key, contexts);
  }
  contexts.set(id, created);
  return created;
}

/** Run one LivePlayerContext method; a missing context or method fails through the page's own `fail`. */
export function callPlayerContext(page: PageHost | undefined, id: string, method: PlayerContextMethod, options: WxCallbacks = {}): void {
  const context = contextFor(page, id, true);
  const fn = context?.[method];
  if (typeof fn !== 'function') {
    logger.warn(`LivePlayerContext.${method} is not available for player ${id}`);
    options.fail?.({ errMsg: `${method}:fail not available` });
    return;
  }
  try {
    fn.call(context, options);
  } catch (error) {
    logger.error(`LivePlayerContext.${method} threw for player ${id}`, error);
    options.fail?.({ errMsg: String(error) });
  }
}

/** Stop the player (when it ever played) and forget its context; called before a player actor is stopped. */
export function releasePlayerContext(page: PageHost | undefined, id: string, wasPlaying: boolean): void {
  const context = contextFor(page, id, wasPlaying);
  if (wasPlaying && context?.stop) {
    try {
      context.stop({});
    } catch (error) {
      logger.warn(`LivePlayerContext.stop threw while releasing ${id}`, error);
    }
  }
  contextsByPage.get(page ?? NO_PAGE)?.delete(id);
}
