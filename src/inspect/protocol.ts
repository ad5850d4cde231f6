// The inspector's wire format, shared by the SDK adapter, the dev server's relay and the /inspect page.
// SDK -> relay: a hello, then @statelyai/inspect's events as JSON text (so any Stately WebSocket inspector
// can feed the relay too). Relay -> page: those events wrapped with the session, a sequence number and time.

/** Where SDK sessions (and any @statelyai/inspect WebSocket inspector) send inspection events. */
export const INSPECT_PATH = '/v1/inspect';
/** Where inspector pages receive every session's events (`?session=<id>` for one session only). */
export const INSPECT_VIEW_PATH = '/v1/inspect/view';
/** The first message an SDK session sends: who it is. */
export const HELLO_TYPE = '@wxrtc.hello';

/** The first message an SDK session sends ({@link HELLO_TYPE}): who it is. */
export interface HelloMessage {
  type: typeof HELLO_TYPE;
  /** Stable for the inspector's lifetime: a reconnecting session continues its history. */
  id: string;
  label: string;
  sdk?: string;
  at?: number;
}

/** @statelyai/inspect's events, as far as the relay and the page read them. */
export interface StatelyMessage {
  type: '@xstate.actor' | '@xstate.snapshot' | '@xstate.event';
  sessionId: string;
  rootId?: string;
  parentId?: string;
  sourceId?: string;
  name?: string;
  definition?: string;
  createdAt?: string;
  snapshot?: { status?: string; value?: unknown; context?: unknown; [key: string]: unknown };
  event?: { type: string; [key: string]: unknown };
  [key: string]: unknown;
}

/** One inspected session as the relay lists it to pages. */
export interface SessionInfo {
  /** The relay's id for the session (s1, s2, ...). */
  id: string;
  label: string;
  /** The SDK's hello id, when it sent one. */
  clientId: string | null;
  remoteAddress: string;
  connectedAt: number;
  /** Null while a socket is open. */
  closedAt: number | null;
  /** Events the relay no longer holds (the history is bounded). */
  dropped: number;
  received: number;
}

/** What the relay sends an inspector page: the session list, a session's change, an event, or the end of the replay. */
export type ViewerMessage =
  | { type: 'sessions'; sessions: SessionInfo[] }
  | { type: 'session'; session: SessionInfo }
  | { type: 'event'; session: string; seq: number; at: number; event: StatelyMessage }
  /** Sent once after the history replay: what follows is live. */
  | { type: 'live' };
