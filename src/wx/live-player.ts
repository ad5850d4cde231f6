// <live-player> contexts, one per remote stream. Players are many (up to 8 visible, more in a live room),
// so they are reached through plain functions the player machine calls as actions rather than an invoked
// actor each: an invoked actor per player doubled a player's heap in measurement (2.6 KB -> 4.6 KB).
// The registry is keyed by page so two pages with the same player id never share a context, and remembers
// which players were asked for media, so everything still playing can be stopped when the room goes.

import { fromCallback, type EventObject } from 'xstate';
import { logger } from '../core/log';
import { hasWx, type PageHost, type WxCallbacks } from './host';

export type PlayerContextMethod =
  | 'play' | 'stop' | 'pause' | 'resume' | 'mute' | 'snapshot' | 'requestFullScreen' | 'exitFullScreen'
  | 'requestPictureInPicture' | 'exitPictureInPicture';

type LivePlayerContextLike = { [method in PlayerContextMethod]?: (options?: WxCallbacks) => void };

interface Entry {
  context: LivePlayerContextLike | null;
  /** Media was asked for (by the page's attributes or play()): leaving must stop this player. */
  active: boolean;
}

const entriesByPage = new WeakMap<PageHost, Map<string, Entry>>();
/**
 * Players we stopped because their stream went away. A page may keep its <live-player> mounted (it renders a
 * fixed tag rather than the playerList), and a stopped tag stays black and silent: when that id is asked for
 * media again it is played again.
 */
const stoppedByPage = new WeakMap<PageHost, Set<string>>();
/** Stand-in key for actors created without a page (the statechart API used outside a page). */
const NO_PAGE: PageHost = {};

function entryFor(page: PageHost | undefined, id: string): Entry {
  const key = page ?? NO_PAGE;
  let entries = entriesByPage.get(key);
  if (!entries) {
    entries = new Map();
    entriesByPage.set(key, entries);
  }
  let entry = entries.get(id);
  if (!entry) {
    entry = { context: null, active: false };
    entries.set(id, entry);
  }
  return entry;
}

function contextOf(page: PageHost | undefined, entry: Entry, id: string): LivePlayerContextLike | null {
  if (entry.context === null && hasWx()) {
    // WeChat wants the page or component instance as `this` for createLivePlayerContext(id, this). Cast here,
    // not in an exported helper: a WeChat type in a published declaration breaks TypeScript users (host.ts).
    entry.context = wx.createLivePlayerContext(id, page as WechatMiniprogram.Page.TrivialInstance | undefined) as unknown as LivePlayerContextLike;
  }
  return entry.context;
}

/** The player is asked for media; it must be stopped when it is released, and played if we had stopped it. */
export function markPlayerActive(page: PageHost | undefined, id: string): void {
  const entry = entryFor(page, id);
  entry.active = true;
  const stopped = stoppedByPage.get(page ?? NO_PAGE);
  if (!stopped?.delete(id)) return;
  const context = contextOf(page, entry, id);
  try {
    context?.play?.({});
  } catch (error) {
    logger.warn(`LivePlayerContext.play threw while resuming ${id}`, error);
  }
}

/** Run one LivePlayerContext method; a missing context or method fails through the page's own `fail`. */
export function callPlayerContext(page: PageHost | undefined, id: string, method: PlayerContextMethod, options: WxCallbacks = {}): void {
  const entry = entryFor(page, id);
  const context = contextOf(page, entry, id);
  const fn = context?.[method];
  if (typeof fn !== 'function') {
    logger.warn(`LivePlayerContext.${method} is not available for player ${id}`);
    options.fail?.({ errMsg: `${method}:fail not available` });
    return;
  }
  if (method === 'play' || method === 'resume') entry.active = true;
  try {
    fn.call(context, options);
  } catch (error) {
    logger.error(`LivePlayerContext.${method} threw for player ${id}`, error);
    options.fail?.({ errMsg: String(error) });
  }
}

/**
 * Stop the player if it was active and forget it; called before a player actor is stopped. `streamGone`: the
 * stream went away while the room goes on, so the same id coming back must be played again.
 */
export function releasePlayerContext(page: PageHost | undefined, id: string, streamGone = false): void {
  const key = page ?? NO_PAGE;
  const entries = entriesByPage.get(key);
  const entry = entries?.get(id);
  if (!entry) return;
  entries!.delete(id);
  if (!entry.active) return;
  const context = contextOf(page, entry, id);
  try {
    context?.stop?.({});
  } catch (error) {
    logger.warn(`LivePlayerContext.stop threw while releasing ${id}`, error);
  }
  if (!streamGone) return;
  let stopped = stoppedByPage.get(key);
  if (!stopped) {
    stopped = new Set();
    stoppedByPage.set(key, stopped);
  }
  stopped.add(id);
}

/** Release every player of a page (the room is gone: nothing is to be resumed). */
export function releaseAllPlayerContexts(page: PageHost | undefined): void {
  stoppedByPage.delete(page ?? NO_PAGE);
  const entries = entriesByPage.get(page ?? NO_PAGE);
  for (const id of [...(entries?.keys() ?? [])]) releasePlayerContext(page, id);
}

/**
 * Lives as long as the room actor: when the actor is stopped (a page's onUnload, destroy()), XState runs no
 * exit actions, but it does clean up invoked actors, and this one stops every player still playing.
 */
export const playerContextsKeeper = fromCallback<EventObject, { page?: PageHost }>(({ input }) => () => releaseAllPlayerContexts(input.page));
