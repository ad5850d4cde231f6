// One remote stream (userID + main|aux), spawned by the room when the stream is announced and stopped when
// it or its user goes away or the room is left. It owns the playerAttributes the page binds to
// <live-player>, follows that player's status codes, and retries a failed pull with backoff.

import { assign, sendParent, setup } from 'xstate';
import { callPlayerContext, markPlayerActive, releasePlayerContext, type PlayerContextMethod } from '../wx/live-player';
import type { PageHost, WxCallbacks } from '../wx/host';
import { initialPlayerAttributes, type NetStatus, type PlayerAttributes, type StreamType } from '../core/attributes';
import { PlayerStatus } from '../core/status-codes';
import { DEFAULT_RETRY_POLICY, isFinalRefusal, retryDelayMs, streamRetries, type RetryPolicy } from '../core/retry';


/** What the room spawns a player with: the remote stream, its url and its tracks. */
export interface PlayerInput {
  page?: PageHost;
  userID: string;
  streamType: StreamType;
  src: string;
  hasVideo: boolean;
  hasAudio: boolean;
  retry?: RetryPolicy;
  /** Start with both tracks wanted (autoSubscribe); otherwise the seed's default, both muted. */
  unmuted?: boolean;
}

export interface PlayerContext {
  page: PageHost | undefined;
  attributes: PlayerAttributes;
  retry: RetryPolicy;
  /** Failed attempts since media last flowed; reset by playing or a new url. */
  failures: number;
  /** Whether the last failure may be retried: a final refusal (a limit, a permission) never is. */
  retryable: boolean;
}

/** Events the player chart handles: the room's commands and its <live-player>'s reports. */
export type PlayerEvent =
  | { type: 'SET_ATTRIBUTES'; attributes: Readonly<Record<string, unknown>> }
  | { type: 'PUBLISH_STATE'; audio: boolean; video: boolean }
  | { type: 'SET_SRC'; url: string }
  | { type: 'LIVE_PLAYER_STATUS'; code: number; message: string }
  | { type: 'NET_STATUS'; info: NetStatus }
  | { type: 'AUDIO_VOLUME'; volume: number }
  | { type: 'SWITCH_STREAM_TYPE' }
  | { type: 'SUBSCRIBE_FAILED'; code: number; reason: string }
  | { type: 'CONTEXT_CALL'; method: PlayerContextMethod; options?: WxCallbacks }
  /** The player goes: `streamGone` when its stream went away while the room goes on (not a leave). */
  | { type: 'RELEASE'; streamGone?: boolean };

/** What a player tells its room: the room turns these into STREAM_FAILED and a fresh subscribe. */
export type PlayerReport =
  | { type: 'PLAYER_FAILED'; id: string; code: number; reason: string; willRetry: boolean }
  | { type: 'PLAYER_RETRY'; id: string };

/**
 * The page wants a published track. With the websocket driver the url comes later (the subscribe answer),
 * so wanting media without a url is already loading: the subscription is under way.
 */
function wantsMedia({ attributes: a }: PlayerContext): boolean {
  return (a.hasVideo && !a.muteVideo) || (a.hasAudio && !a.muteAudio);
}

/**
 * The server refused the subscribe for a limit, a permission or a credential (8020-8023, 8025, 8010-8012): asking
 * again changes nothing until the page or the room does, so the stream is announced failed once and not retried.
 */
const isFinalSubscribeRefusal = (event: PlayerEvent): boolean => event.type === 'SUBSCRIBE_FAILED' && isFinalRefusal(event.code);

function failureReport(context: PlayerContext, event: PlayerEvent): PlayerReport {
  const code = event.type === 'LIVE_PLAYER_STATUS' || event.type === 'SUBSCRIBE_FAILED' ? event.code : PlayerStatus.DISCONNECTED;
  const reason = event.type === 'SUBSCRIBE_FAILED' ? event.reason : event.type === 'LIVE_PLAYER_STATUS' ? event.message : 'pull failed';
  // `failures` already counts this failure: maxAttempts retries follow the first failure.
  return { type: 'PLAYER_FAILED', id: context.attributes.id, code, reason, willRetry: context.retryable && streamRetries(context.retry, context.failures) };
}

const isStatus = (event: PlayerEvent, ...codes: number[]): boolean =>
  event.type === 'LIVE_PLAYER_STATUS' && codes.includes(event.code);

/**
 * One remote stream's <live-player>: idle, loading, playing (parallel audio and video), ended, failed with
 * bounded retries. The room spawns one per stream.
 */
export const playerMachine = setup({
  types: {} as { context: PlayerContext; events: PlayerEvent; input: PlayerInput },
  actions: {
    callContext: ({ context }, params: { method: PlayerContextMethod; options?: WxCallbacks }) =>
      callPlayerContext(context.page, context.attributes.id, params.method, params.options),
    markContextActive: ({ context }) => markPlayerActive(context.page, context.attributes.id),
    releaseContext: ({ context, event }) =>
      releasePlayerContext(context.page, context.attributes.id, event.type === 'RELEASE' && event.streamGone === true),
    restartContext: ({ context }) => {
      callPlayerContext(context.page, context.attributes.id, 'stop');
      callPlayerContext(context.page, context.attributes.id, 'play');
    },
    /** Everything a player tells its room goes through here; the payload is decided by the machine. */
    reportToRoom: sendParent((_, report: PlayerReport) => report),
    assignSrc: assign({
      attributes: ({ context, event }) => (event.type === 'SET_SRC' ? { ...context.attributes, src: event.url } : context.attributes),
    }),
  },
  guards: {
    wantsMedia: ({ context }) => wantsMedia(context),
    wantsNoMedia: ({ context }) => !wantsMedia(context),
    canRetry: ({ context }) => context.retryable && streamRetries(context.retry, context.failures),
    audible: ({ context }) => context.attributes.hasAudio && !context.attributes.muteAudio,
    inaudible: ({ context }) => !(context.attributes.hasAudio && !context.attributes.muteAudio),
    visible: ({ context }) => context.attributes.hasVideo && !context.attributes.muteVideo,
    invisible: ({ context }) => !(context.attributes.hasVideo && !context.attributes.muteVideo),
    isMediaFlowing: ({ event }) =>
      isStatus(event, PlayerStatus.FIRST_VIDEO_FRAME, PlayerStatus.PLAYING, PlayerStatus.FIRST_AUDIO_FRAME),
    isPullFailure: ({ event }) => isStatus(event, PlayerStatus.DISCONNECTED, PlayerStatus.UNRECOVERABLE),
    isLoading: ({ event }) => isStatus(event, PlayerStatus.LOADING),
    isEnded: ({ event }) => isStatus(event, PlayerStatus.ENDED),
  },
  delays: {
    retryDelay: ({ context }) => retryDelayMs(context.retry, context.failures),
  },
}).createMachine({
  id: 'player',
  context: ({ input }) => ({
    page: input.page,
    attributes: input.unmuted ? { ...initialPlayerAttributes(input), muteAudio: false, muteVideo: false } : initialPlayerAttributes(input),
    retry: input.retry ?? DEFAULT_RETRY_POLICY,
    failures: 0,
    retryable: true,
  }),
  initial: 'idle',
  on: {
    SET_ATTRIBUTES: {
      actions: assign({ attributes: ({ context, event }) => ({ ...context.attributes, ...event.attributes }) }),
    },
    PUBLISH_STATE: {
      actions: assign({ attributes: ({ context, event }) => ({ ...context.attributes, hasAudio: event.audio, hasVideo: event.video }) }),
    },
    NET_STATUS: { actions: assign({ attributes: ({ context, event }) => ({ ...context.attributes, netStatus: event.info }) }) },
    AUDIO_VOLUME: { actions: assign({ attributes: ({ context, event }) => ({ ...context.attributes, volume: event.volume }) }) },
    SWITCH_STREAM_TYPE: {
      // trtc-wx's big/small switch: the room url's streamtype names the picture it pulls. Only that value
      // changes (trtc-wx replaces the first "main" anywhere, which breaks a userID like "germaine").
      actions: assign({
        attributes: ({ context: { attributes: a } }) => {
          const next = a._definitionType === 'main' ? ('small' as const) : ('main' as const);
          return { ...a, src: a.src.replace(/([?&]streamtype=)(main|small)\b/, `$1${next}`), _definitionType: next };
        },
      }),
    },
    CONTEXT_CALL: { actions: { type: 'callContext', params: ({ event }) => ({ method: event.method, options: event.options }) } },
    RELEASE: { actions: 'releaseContext' },
  },
  states: {
    /** Announced; nothing is wanted (every published track is muted by the page). */
    idle: {
      // Asking for media again later deserves a full retry budget, even after an earlier give-up.
      entry: assign({ failures: 0 }),
      always: { guard: 'wantsMedia', target: 'loading' },
      on: { SET_SRC: { actions: 'assignSrc' } },
    },
    /** Media is asked for: waiting for the url (subscribing) or the first frame, or rebuffering. */
    loading: {
      entry: 'markContextActive',
      always: { guard: 'wantsNoMedia', target: 'idle' },
      on: {
        LIVE_PLAYER_STATUS: [
          { guard: 'isMediaFlowing', target: 'playing' },
          { guard: 'isPullFailure', target: 'failed' },
          { guard: 'isEnded', target: 'ended' },
        ],
        SUBSCRIBE_FAILED: { target: 'failed' },
        SET_SRC: { actions: 'assignSrc' },
      },
    },
    playing: {
      type: 'parallel',
      entry: assign({ failures: 0 }),
      always: { guard: 'wantsNoMedia', target: 'idle' },
      on: {
        LIVE_PLAYER_STATUS: [
          { guard: 'isPullFailure', target: 'failed' },
          { guard: 'isLoading', target: 'loading' },
          { guard: 'isEnded', target: 'ended' },
        ],
        SUBSCRIBE_FAILED: { target: 'failed' },
        SET_SRC: { target: 'loading', actions: 'assignSrc' },
      },
      states: {
        audio: {
          initial: 'checking',
          states: {
            checking: { always: [{ guard: 'audible', target: 'audible' }, { target: 'silent' }] },
            audible: { always: { guard: 'inaudible', target: 'silent' } },
            silent: { always: { guard: 'audible', target: 'audible' } },
          },
        },
        video: {
          initial: 'checking',
          states: {
            checking: { always: [{ guard: 'visible', target: 'shown' }, { target: 'hidden' }] },
            shown: { always: { guard: 'invisible', target: 'hidden' } },
            hidden: { always: { guard: 'visible', target: 'shown' } },
          },
        },
      },
    },
    /** The publisher stopped sending (2006); the room removes the player if the stream is gone for good. */
    ended: {
      always: { guard: 'wantsNoMedia', target: 'idle' },
      on: {
        LIVE_PLAYER_STATUS: [
          { guard: 'isMediaFlowing', target: 'playing' },
          { guard: 'isPullFailure', target: 'failed' },
        ],
        SET_SRC: { target: 'loading', actions: 'assignSrc' },
      },
    },
    failed: {
      entry: [
        assign({ failures: ({ context }) => context.failures + 1, retryable: ({ event }) => !isFinalSubscribeRefusal(event) }),
        { type: 'reportToRoom', params: ({ context, event }) => failureReport(context, event) },
      ],
      always: { guard: 'wantsNoMedia', target: 'idle' },
      initial: 'deciding',
      on: {
        // A new url (UPDATE_URL) is tried at once, but on the same retry budget: every retry re-subscribes,
        // and each answer is a new url, so resetting here would let a refused stream retry forever.
        // The budget resets when media flows (playing) or the page stops wanting it (idle).
        SET_SRC: { target: 'loading', actions: 'assignSrc' },
        LIVE_PLAYER_STATUS: { guard: 'isMediaFlowing', target: 'playing' },
      },
      states: {
        deciding: { always: [{ guard: 'canRetry', target: 'waitingToRetry' }, { target: 'gaveUp' }] },
        waitingToRetry: {
          after: {
            retryDelay: {
              target: '#player.loading',
              actions: ['restartContext', { type: 'reportToRoom', params: ({ context }) => ({ type: 'PLAYER_RETRY', id: context.attributes.id }) }],
            },
          },
        },
        /** Retries ran out: stays here until a new url arrives or the stream goes away. */
        gaveUp: {},
      },
    },
  },
});

/** The type of {@link playerMachine}. */
export type PlayerMachine = typeof playerMachine;
