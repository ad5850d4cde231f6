// The local <live-pusher>: its attributes (what the page binds), its context (start, stop, BGM, preview ...)
// and what it is doing. A child of the room, spawned by createPusher. Three regions run side by side:
// the stream (is anything going up), background music, and the camera preview.

import { and, assign, sendParent, sendTo, setup } from 'xstate';
import { ErrorCode } from '../core/errors';
import { livePusherContext, type PusherContextEvent, type PusherContextMethod } from '../wx/live-pusher';
import { failCall, hasFailCallback, succeedCall, type PageHost, type WxCallbacks } from '../wx/host';
import { DEFAULT_PUSHER_ATTRIBUTES, type NetStatus, type PusherAttributes } from '../core/attributes';
import { PusherStatus } from '../core/status-codes';
import { DEFAULT_RETRY_POLICY, retryDelayMs, streamRetries, type RetryPolicy } from '../core/retry';

/** What the room starts its pusher with: the page and createPusher's attributes. */
export interface PusherInput {
  /** The page hosting <live-pusher>; handed to the context. */
  page?: PageHost;
  /** createPusher's config, already validated. */
  attributes?: Readonly<Record<string, unknown>>;
  retry?: RetryPolicy;
}

export interface PusherContext {
  page: PageHost | undefined;
  attributes: PusherAttributes;
  /** What createPusher configured, url cleared: exitRoom resets to this, so entering again needs no createPusher. */
  initialAttributes: PusherAttributes;
  retry: RetryPolicy;
  failures: number;
  /**
   * The callbacks of a start() that waits for its url (websocket driver): answered when the url arrives and the
   * pusher starts by itself, or failed when a stop or a leave comes first.
   */
  pendingStart: WxCallbacks | null;
}

type WithOptions<T extends string> = { type: T; options?: WxCallbacks };

/** Events the pusher chart handles: the room's commands and its <live-pusher>'s reports. */
export type PusherEvent =
  | { type: 'SET_ATTRIBUTES'; attributes: Readonly<Record<string, unknown>> }
  | { type: 'SET_URL'; url: string }
  | WithOptions<'START'>
  | WithOptions<'STOP'>
  | WithOptions<'PAUSE'>
  | WithOptions<'RESUME'>
  | WithOptions<'START_PREVIEW'>
  | WithOptions<'STOP_PREVIEW'>
  | WithOptions<'SWITCH_CAMERA'>
  | WithOptions<'PLAY_BGM'>
  | WithOptions<'PAUSE_BGM'>
  | WithOptions<'RESUME_BGM'>
  | WithOptions<'STOP_BGM'>
  /** Methods that change nothing the chart tracks: snapshot, setMICVolume, setBGMVolume, toggleTorch ... */
  | { type: 'CONTEXT_CALL'; method: PusherContextMethod; options?: WxCallbacks }
  /** The room asks for a fresh start with the same url (1021: enter again for the best server). */
  | { type: 'RESTART' }
  /** The mini-program is in the foreground again: a pusher WeChat suspended (5000) starts again. */
  | { type: 'APP_SHOWN' }
  /** The room was left: stop, forget the url, back to createPusher's attributes. */
  | { type: 'RESET' }
  | { type: 'LIVE_PUSHER_STATUS'; code: number; message: string }
  | { type: 'NET_STATUS'; info: NetStatus }
  | { type: 'AUDIO_VOLUME'; volume: number }
  | { type: 'BGM_STARTED' }
  | { type: 'BGM_COMPLETED' }
  | { type: 'BGM_FAILED'; errMsg: string }
  | PusherContextEvent;

/** What the pusher tells its room. */
export type PusherReport =
  | { type: 'PUSHER_FAILED'; code: number; reason: string; willRetry: boolean }
  | { type: 'PUSHER_RETRY' }
  | { type: 'PUSHER_BGM_FAILED'; errMsg: string }
  /** A page call the pusher could not act on, and the page gave no `fail` callback to hear it: an ERROR. */
  | { type: 'PUSHER_CALL_REFUSED'; method: string; code: number; message: string; answered: boolean };

/** A call the current state cannot act on: which method, and why. */
export interface Refusal {
  method: PusherContextMethod;
  message: string;
}

const optionsOf = (event: PusherEvent): WxCallbacks | undefined => ('options' in event ? event.options : undefined);
const refusalMessage = (refusal: Refusal): string => `${refusal.method}:fail ${refusal.message}`;

/** What the room hears of a refused call; `answered` when the page's own `fail` already heard it. */
function refusalReport(event: PusherEvent, refusal: Refusal): PusherReport {
  const message = refusalMessage(refusal);
  return { type: 'PUSHER_CALL_REFUSED', method: refusal.method, code: ErrorCode.WRONG_STATE, message, answered: hasFailCallback(optionsOf(event)) };
}

/** The two actions of a refusal: answer the page's callbacks, tell the room. */
function refuse(refusal: Refusal) {
  return [
    { type: 'answerRefusal', params: refusal },
    { type: 'reportToRoom', params: ({ event }: { event: PusherEvent }) => refusalReport(event, refusal) },
  ] as const;
}

function resetAttributes(attributes: Readonly<Record<string, unknown>> | undefined): PusherAttributes {
  return { ...DEFAULT_PUSHER_ATTRIBUTES, ...attributes, url: '', netStatus: {}, volume: 0 } as PusherAttributes;
}

const isStatus = (event: PusherEvent, code: number): boolean => event.type === 'LIVE_PUSHER_STATUS' && event.code === code;

function failureReport(context: PusherContext, event: PusherEvent): PusherReport {
  return {
    type: 'PUSHER_FAILED',
    code: event.type === 'LIVE_PUSHER_STATUS' ? event.code : PusherStatus.DISCONNECTED,
    reason: event.type === 'LIVE_PUSHER_STATUS' ? event.message : 'push failed',
    // `failures` already counts this failure: maxAttempts retries follow the first failure.
    willRetry: streamRetries(context.retry, context.failures),
  };
}

function bgmFailureReport(event: PusherEvent): PusherReport {
  return { type: 'PUSHER_BGM_FAILED', errMsg: event.type === 'BGM_FAILED' || event.type === 'CONTEXT_CALL_FAILED' ? event.errMsg : 'bgm failed' };
}

/**
 * The local <live-pusher>: its stream (idle, waiting for a url, ready, publishing, suspended, failed with
 * bounded retries, stopped), its background music and its preview, as three parallel regions.
 */
export const pusherMachine = setup({
  types: {} as { context: PusherContext; events: PusherEvent; input: PusherInput },
  actors: { livePusherContext },
  actions: {
    call: sendTo('context', (_, params: { method: PusherContextMethod; options?: WxCallbacks }) => ({
      type: 'CALL' as const,
      method: params.method,
      ...(params.options ? { options: params.options } : {}),
    })),
    stopContext: sendTo('context', { type: 'CALL', method: 'stop' }),
    startContext: sendTo('context', { type: 'CALL', method: 'start' }),
    releaseContext: sendTo('context', { type: 'RELEASE' }),
    // autopush pushes without a start() call; the context must still know to stop it when released.
    markContextActive: sendTo('context', { type: 'MARK_ACTIVE' }),
    assignUrl: assign({
      attributes: ({ context, event }) => (event.type === 'SET_URL' ? { ...context.attributes, url: event.url } : context.attributes),
    }),
    /** Everything the pusher tells its room goes through here; the payload is decided by the machine. */
    reportToRoom: sendParent((_, report: PusherReport) => report),
    /**
     * A call the state cannot act on is never silent: the page's `fail` gets `{ errMsg, errCode }` (WeChat's shape
     * plus our code), and the room hears of it, to emit ERROR WRONG_STATE when the page gave no `fail`.
     */
    answerRefusal: ({ event }, params: Refusal) => {
      failCall(optionsOf(event), refusalMessage(params), ErrorCode.WRONG_STATE);
    },
    /** The call asks for what is already so (stop when nothing runs, start when pushing): its `success` is called. */
    answerAlreadyDone: ({ event }, params: { method: PusherContextMethod }) => succeedCall(optionsOf(event), params.method),
    keepPendingStart: assign({ pendingStart: ({ event }) => optionsOf(event) ?? null }),
    /** The waiting start() is done: the url came and <live-pusher> starts by itself (autopush). */
    answerPendingStart: ({ context }) => succeedCall(context.pendingStart ?? undefined, 'start'),
    /** The waiting start() will not happen: stopped, or the room was left, before the url came. */
    failPendingStart: ({ context }) => {
      if (context.pendingStart) failCall(context.pendingStart, 'start:fail stopped before the push url arrived', ErrorCode.WRONG_STATE);
    },
    clearPendingStart: assign({ pendingStart: null }),
  },
  guards: {
    hasUrl: ({ event }) => event.type === 'SET_URL' && event.url !== '',
    clearsUrl: ({ event }) => event.type === 'SET_URL' && event.url === '',
    changesUrl: ({ context, event }) => event.type === 'SET_URL' && event.url !== '' && event.url !== context.attributes.url,
    autopush: ({ context }) => context.attributes.autopush,
    canRetry: ({ context }) => streamRetries(context.retry, context.failures),
    isPushBegin: ({ event }) => isStatus(event, PusherStatus.PUSH_BEGIN),
    isDisconnected: ({ event }) => isStatus(event, PusherStatus.DISCONNECTED),
    isHungUp: ({ event }) => isStatus(event, PusherStatus.APP_HUNG_UP),
    isBgmCallFailure: ({ event }) => event.type === 'CONTEXT_CALL_FAILED' && event.method === 'playBGM',
  },
  delays: {
    retryDelay: ({ context }) => retryDelayMs(context.retry, context.failures),
  },
}).createMachine({
  id: 'pusher',
  type: 'parallel',
  context: ({ input }) => ({
    page: input.page,
    attributes: resetAttributes(input.attributes),
    initialAttributes: resetAttributes(input.attributes),
    retry: input.retry ?? DEFAULT_RETRY_POLICY,
    failures: 0,
    pendingStart: null,
  }),
  invoke: { id: 'context', src: 'livePusherContext', input: ({ context }) => ({ page: context.page }) },
  on: {
    SET_ATTRIBUTES: {
      actions: assign({ attributes: ({ context, event }) => ({ ...context.attributes, ...event.attributes }) }),
    },
    NET_STATUS: { actions: assign({ attributes: ({ context, event }) => ({ ...context.attributes, netStatus: event.info }) }) },
    AUDIO_VOLUME: { actions: assign({ attributes: ({ context, event }) => ({ ...context.attributes, volume: event.volume }) }) },
    SWITCH_CAMERA: {
      actions: [
        assign({
          attributes: ({ context }) => ({
            ...context.attributes,
            frontCamera: context.attributes.frontCamera === 'front' ? 'back' : 'front',
          }),
        }),
        { type: 'call', params: ({ event }) => ({ method: 'switchCamera', options: event.options }) },
      ],
    },
    CONTEXT_CALL: { actions: { type: 'call', params: ({ event }) => ({ method: event.method, options: event.options }) } },
    RESET: {
      target: ['.stream.idle', '.bgm.off', '.preview.off'],
      actions: ['failPendingStart', 'releaseContext', assign(({ context }) => ({ attributes: context.initialAttributes, failures: 0, pendingStart: null }))],
    },
  },
  states: {
    stream: {
      initial: 'idle',
      // Reached only where no state below handles them: nothing is pushing, or nothing is paused.
      on: {
        PAUSE: { actions: refuse({ method: 'pause', message: 'nothing is being pushed yet (pause needs 1002, push begun)' }) },
        RESUME: { actions: refuse({ method: 'resume', message: 'the push is not paused' }) },
        // Already so: nothing runs to stop, or the push is already started (or waits for its url).
        STOP: { actions: { type: 'answerAlreadyDone', params: { method: 'stop' } } },
        START: { actions: { type: 'answerAlreadyDone', params: { method: 'start' } } },
      },
      states: {
        /** No url: not in a room yet. */
        idle: {
          on: {
            SET_URL: [
              // autopush: <live-pusher> starts by itself once it has a url.
              { guard: and(['hasUrl', 'autopush']), target: 'publishing', actions: 'assignUrl' },
              { guard: 'hasUrl', target: 'ready', actions: 'assignUrl' },
              { actions: 'assignUrl' },
            ],
            START: { target: 'waitingForUrl', actions: 'keepPendingStart' },
          },
        },
        /**
         * start() came before the url (the websocket driver gets it from the server). Calling the context's
         * start() when the url arrives would race the page, which has not rendered the url yet; instead the
         * attributes carry autopush, and <live-pusher> starts by itself once the page binds the new url.
         */
        waitingForUrl: {
          on: {
            SET_URL: {
              guard: 'hasUrl',
              target: 'publishing',
              actions: [
                'assignUrl',
                assign({ attributes: ({ context }) => ({ ...context.attributes, autopush: true }) }),
                'answerPendingStart',
                'clearPendingStart',
              ],
            },
            STOP: { target: 'idle', actions: ['failPendingStart', 'clearPendingStart', { type: 'answerAlreadyDone', params: { method: 'stop' } }] },
          },
        },
        /** Url known; the page has not started pushing yet (trtc-wx pages call start() after setData). */
        ready: {
          on: {
            START: { target: 'publishing', actions: { type: 'call', params: ({ event }) => ({ method: 'start', options: event.options }) } },
            SET_URL: [{ guard: 'clearsUrl', target: 'idle', actions: 'assignUrl' }, { actions: 'assignUrl' }],
          },
        },
        publishing: {
          initial: 'connecting',
          entry: 'markContextActive',
          on: {
            STOP: { target: 'stopped', actions: { type: 'call', params: ({ event }) => ({ method: 'stop', options: event.options }) } },
            RESTART: { target: '.connecting', actions: ['stopContext', 'startContext'] },
            SET_URL: [
              { guard: 'clearsUrl', target: 'idle', actions: ['assignUrl', { type: 'call', params: { method: 'stop' } }] },
              // The page applies the new url to <live-pusher> (setData), which pushes to it.
              { guard: 'changesUrl', target: '.connecting', actions: 'assignUrl' },
            ],
            LIVE_PUSHER_STATUS: [
              { guard: 'isDisconnected', target: 'failed' },
              { guard: 'isHungUp', target: 'suspended' },
            ],
          },
          states: {
            connecting: { on: { LIVE_PUSHER_STATUS: { guard: 'isPushBegin', target: 'pushing' } } },
            pushing: {
              entry: assign({ failures: 0 }),
              on: { PAUSE: { target: 'paused', actions: { type: 'call', params: ({ event }) => ({ method: 'pause', options: event.options }) } } },
            },
            paused: {
              on: { RESUME: { target: 'pushing', actions: { type: 'call', params: ({ event }) => ({ method: 'resume', options: event.options }) } } },
            },
          },
        },
        /** WeChat stopped the push because the mini-program was hung up (5000); the room restarts it on show. */
        suspended: {
          on: {
            RESTART: { target: 'publishing', actions: ['stopContext', 'startContext'] },
            APP_SHOWN: { target: 'publishing', actions: ['stopContext', 'startContext'] },
            LIVE_PUSHER_STATUS: { guard: 'isPushBegin', target: 'publishing.pushing' },
            STOP: { target: 'stopped', actions: { type: 'call', params: ({ event }) => ({ method: 'stop', options: event.options }) } },
          },
        },
        failed: {
          entry: [
            assign({ failures: ({ context }) => context.failures + 1 }),
            { type: 'reportToRoom', params: ({ context, event }) => failureReport(context, event) },
          ],
          initial: 'deciding',
          on: {
            STOP: { target: 'stopped', actions: { type: 'call', params: ({ event }) => ({ method: 'stop', options: event.options }) } },
            // A new url is tried at once, on the same retry budget: each retry re-publishes and gets a new url,
            // so resetting here would let a refused push retry forever. Pushing (or a stop) resets it.
            SET_URL: { guard: 'changesUrl', target: 'publishing', actions: 'assignUrl' },
            LIVE_PUSHER_STATUS: { guard: 'isPushBegin', target: 'publishing.pushing' },
            START: { actions: refuse({ method: 'start', message: 'the push failed (retrying or given up): stop() first, then start()' }) },
          },
          states: {
            deciding: { always: [{ guard: 'canRetry', target: 'waitingToRetry' }, { target: 'gaveUp' }] },
            waitingToRetry: {
              after: {
                retryDelay: {
                  target: '#pusher.stream.publishing',
                  actions: ['stopContext', 'startContext', { type: 'reportToRoom', params: { type: 'PUSHER_RETRY' } }],
                },
              },
            },
            gaveUp: {},
          },
        },
        stopped: {
          // A start() after a stop deserves a full retry budget, even after an earlier give-up.
          entry: assign({ failures: 0 }),
          on: {
            START: { target: 'publishing', actions: { type: 'call', params: ({ event }) => ({ method: 'start', options: event.options }) } },
            SET_URL: [{ guard: 'clearsUrl', target: 'idle', actions: 'assignUrl' }, { actions: 'assignUrl' }],
          },
        },
      },
    },
    bgm: {
      initial: 'off',
      on: {
        BGM_FAILED: { target: '.off', actions: { type: 'reportToRoom', params: ({ event }) => bgmFailureReport(event) } },
        CONTEXT_CALL_FAILED: {
          guard: 'isBgmCallFailure',
          target: '.off',
          actions: { type: 'reportToRoom', params: ({ event }) => bgmFailureReport(event) },
        },
        BGM_STARTED: '.playing',
        // Reached only where the state below cannot act: no music is playing, or none is paused.
        PAUSE_BGM: { actions: refuse({ method: 'pauseBGM', message: 'no background music is playing' }) },
        STOP_BGM: { actions: { type: 'answerAlreadyDone', params: { method: 'stopBGM' } } },
        RESUME_BGM: { actions: refuse({ method: 'resumeBGM', message: 'no background music is paused' }) },
      },
      states: {
        off: {
          on: { PLAY_BGM: { target: 'playing', actions: { type: 'call', params: ({ event }) => ({ method: 'playBGM', options: event.options }) } } },
        },
        playing: {
          on: {
            PAUSE_BGM: { target: 'paused', actions: { type: 'call', params: ({ event }) => ({ method: 'pauseBGM', options: event.options }) } },
            STOP_BGM: { target: 'off', actions: { type: 'call', params: ({ event }) => ({ method: 'stopBGM', options: event.options }) } },
            PLAY_BGM: { actions: { type: 'call', params: ({ event }) => ({ method: 'playBGM', options: event.options }) } },
            BGM_COMPLETED: 'off',
          },
        },
        paused: {
          on: {
            RESUME_BGM: { target: 'playing', actions: { type: 'call', params: ({ event }) => ({ method: 'resumeBGM', options: event.options }) } },
            STOP_BGM: { target: 'off', actions: { type: 'call', params: ({ event }) => ({ method: 'stopBGM', options: event.options }) } },
            PLAY_BGM: { target: 'playing', actions: { type: 'call', params: ({ event }) => ({ method: 'playBGM', options: event.options }) } },
          },
        },
      },
    },
    preview: {
      initial: 'off',
      // Already so: the preview is already on, or already off.
      on: {
        START_PREVIEW: { actions: { type: 'answerAlreadyDone', params: { method: 'startPreview' } } },
        STOP_PREVIEW: { actions: { type: 'answerAlreadyDone', params: { method: 'stopPreview' } } },
      },
      states: {
        off: {
          on: { START_PREVIEW: { target: 'on', actions: { type: 'call', params: ({ event }) => ({ method: 'startPreview', options: event.options }) } } },
        },
        on: {
          on: { STOP_PREVIEW: { target: 'off', actions: { type: 'call', params: ({ event }) => ({ method: 'stopPreview', options: event.options }) } } },
        },
      },
    },
  },
});

/** The type of {@link pusherMachine}. */
export type PusherMachine = typeof pusherMachine;
