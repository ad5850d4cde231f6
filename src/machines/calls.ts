// Page calls the room waits on (muteLocal, muteRemote, subscribe, unsubscribe, publish, unpublish,
// setUserVisibility, and setPusherAttributes' enableMic / enableCamera): the change shows at once, the driver
// confirms or refuses it, and a refusal puts back what the call changed. Pure bookkeeping, planned here and
// applied by the room machine: several calls may be in flight on one field, so a refused call hands the value it
// replaced to the next call on that field (which now replaces it instead), and only the last call on a field
// reverts what the page sees.

import type { ConfirmedCall } from './room-events';
import type { RemoteStream } from './room-events';

/** What a page command carries for its answer: the facade's ticket (its callbacks) and whether it has a `fail`. */
export interface CallTag {
  /** Set by the facade when the page gave callbacks: CALL_SETTLED names it. */
  ticket?: number;
  /** The page gave a `fail` callback: a refusal goes there, not to an ERROR event. */
  answered?: boolean;
}

/** A field a call changes, named so that calls on the same thing meet: see {@link fieldOf}. */
export type CallField =
  | { kind: 'pusher'; key: 'enableMic' | 'enableCamera' }
  | { kind: 'player'; id: string; key: 'muteAudio' | 'muteVideo' | 'subscribed' }
  | { kind: 'visible' }
  | { kind: 'published' };

/** One field with the value it had before the call. */
export interface UndoEntry {
  field: CallField;
  value: unknown;
}

/** A call sent to the driver and not answered yet. */
export interface PendingCall {
  readonly callId: number;
  /** The page method (setPusherAttributes for an enableMic / enableCamera change made that way). */
  readonly call: ConfirmedCall | 'setPusherAttributes';
  readonly ticket?: number;
  readonly answered: boolean;
  /** What the call changed, with the values before it: put back if the call is refused. */
  readonly undo: readonly UndoEntry[];
  /** The call asked the server for a stream: a refusal is that stream's STREAM_FAILED too (not retried). */
  readonly subscribing?: { readonly userID: string; readonly streamType: 'main' | 'aux' };
}

export const fieldName = (field: CallField): string => {
  switch (field.kind) {
    case 'pusher':
      return `pusher.${field.key}`;
    case 'player':
      return `player.${field.id}.${field.key}`;
    default:
      return field.kind;
  }
};

/** The pending call with this id, or undefined (an answer for a call the room no longer waits on). */
export function pendingCall(calls: readonly PendingCall[], callId: number): PendingCall | undefined {
  return calls.find((c) => c.callId === callId);
}

/**
 * Take a refused call out. Each field it changed either goes back to the value it had before the call (when no
 * later call is pending on it) or, when one is, becomes that later call's value to put back: the refused call
 * never happened, so what the later call replaced is what the refused one had replaced.
 */
export function withdrawCall(calls: readonly PendingCall[], callId: number): { rest: PendingCall[]; revert: UndoEntry[] } {
  const refused = pendingCall(calls, callId);
  if (!refused) return { rest: [...calls], revert: [] };
  let rest = calls.filter((c) => c !== refused);
  const revert: UndoEntry[] = [];
  for (const entry of refused.undo) {
    const name = fieldName(entry.field);
    const later = rest.find((c) => c.callId > callId && c.undo.some((u) => fieldName(u.field) === name));
    if (!later) {
      revert.push(entry);
      continue;
    }
    const rebased: PendingCall = { ...later, undo: later.undo.map((u) => (fieldName(u.field) === name ? { field: u.field, value: entry.value } : u)) };
    rest = rest.map((c) => (c === later ? rebased : c));
  }
  return { rest, revert };
}

/** Take a confirmed call out: nothing it changed goes back. */
export function confirmCall(calls: readonly PendingCall[], callId: number): PendingCall[] {
  return calls.filter((c) => c.callId !== callId);
}

/** The player attributes and subscription a revert puts back for one stream. */
export function playerRevert(revert: readonly UndoEntry[], id: string): { attributes: Record<string, boolean>; subscribed?: RemoteStream['subscribed'] } | null {
  const own = revert.filter((e): e is UndoEntry & { field: Extract<CallField, { kind: 'player' }> } => e.field.kind === 'player' && e.field.id === id);
  if (own.length === 0) return null;
  const attributes: Record<string, boolean> = {};
  let subscribed: RemoteStream['subscribed'] | undefined;
  let hasSubscribed = false;
  for (const entry of own) {
    if (entry.field.key === 'subscribed') {
      hasSubscribed = true;
      subscribed = entry.value as RemoteStream['subscribed'];
    } else {
      attributes[entry.field.key] = entry.value === true;
    }
  }
  return hasSubscribed ? { attributes, subscribed: subscribed ?? null } : { attributes };
}

/** The pusher attributes a revert puts back. */
export function pusherRevert(revert: readonly UndoEntry[]): Record<string, boolean> {
  const attributes: Record<string, boolean> = {};
  for (const entry of revert) if (entry.field.kind === 'pusher') attributes[entry.field.key] = entry.value === true;
  return attributes;
}
