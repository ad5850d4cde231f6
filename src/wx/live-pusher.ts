// The <live-pusher> context, owned by the pusher machine as an invoked actor: it is created on first use,
// runs the methods the machine asks for, reports failed calls back, and stops a started pusher when the
// actor stops (room left, TRTC destroyed) so nothing is left pushing.

import { fromCallback } from 'xstate';
import { logger } from '../core/log';
import { hasWx, type PageHost, type WxCallbacks } from './host';

/** Methods of LivePusherContext the SDK forwards. */
export type PusherContextMethod =
  | 'start' | 'stop' | 'pause' | 'resume'
  | 'startPreview' | 'stopPreview' | 'switchCamera' | 'snapshot' | 'toggleTorch' | 'setZoom'
  | 'playBGM' | 'pauseBGM' | 'resumeBGM' | 'stopBGM' | 'setBGMVolume' | 'setMICVolume'
  | 'sendMessage' | 'startDumpAudio' | 'stopDumpAudio';

export type PusherContextCommand =
  | { type: 'CALL'; method: PusherContextMethod; options?: WxCallbacks }
  /** Stop the pusher if it was started; used when the room is left, where a never-started pusher needs nothing. */
  | { type: 'RELEASE' }
  /** The pusher is pushing without our start() call (autopush): a later RELEASE must stop it. */
  | { type: 'MARK_ACTIVE' };

export type PusherContextEvent = { type: 'CONTEXT_CALL_FAILED'; method: PusherContextMethod; errMsg: string };

type LivePusherContextLike = { [method in PusherContextMethod]?: (options?: WxCallbacks) => void };

const STARTING: ReadonlySet<PusherContextMethod> = new Set(['start', 'resume', 'startPreview']);

export const livePusherContext = fromCallback<PusherContextCommand, { page?: PageHost } | undefined, PusherContextEvent>(
  ({ input, sendBack, receive }) => {
    let context: LivePusherContextLike | null = null;
    let started = false;

    const contextOrNull = (): LivePusherContextLike | null => {
      // WeChat takes no argument (one pusher per page) and ignores one; trtc-wx passes the page too, and so do
      // we: it lets a headless runtime with several pages in one process find the right <live-pusher>.
      const create = wx.createLivePusherContext as unknown as (page?: PageHost) => LivePusherContextLike;
      if (context === null && hasWx()) context = create(input?.page);
      return context;
    };

    const call = (method: PusherContextMethod, options: WxCallbacks = {}): void => {
      // `options` is the page's own argument, typed as WeChat's options object but passed on whatever it is.
      const target = contextOrNull();
      const fn = target?.[method];
      if (typeof fn !== 'function') {
        logger.warn(`LivePusherContext.${method} is not available here`);
        options.fail?.({ errMsg: `${method}:fail not available` });
        return;
      }
      // What a page gave that is not an options object (Tencent's demo pages call switchCamera('back')) goes to
      // WeChat exactly as given; spreading a string would hand over its characters as keys.
      const given: unknown = options;
      if (typeof given !== 'object' || given === null) {
        try {
          (fn as (arg: unknown) => void).call(target, given);
          if (STARTING.has(method)) started = true;
          if (method === 'stop') started = false;
        } catch (error) {
          logger.error(`LivePusherContext.${method} threw`, error);
          sendBack({ type: 'CONTEXT_CALL_FAILED', method, errMsg: String(error) });
        }
        return;
      }
      const userFail = options.fail;
      try {
        fn.call(target, {
          ...options,
          fail: (result: { errMsg?: string } & Record<string, unknown>) => {
            sendBack({ type: 'CONTEXT_CALL_FAILED', method, errMsg: String(result?.errMsg ?? `${method}:fail`) });
            userFail?.(result);
          },
        });
        if (STARTING.has(method)) started = true;
        if (method === 'stop') started = false;
      } catch (error) {
        logger.error(`LivePusherContext.${method} threw`, error);
        sendBack({ type: 'CONTEXT_CALL_FAILED', method, errMsg: String(error) });
      }
    };

    const release = (): void => {
      // An autopush pusher was started by the tag itself: the context may not exist yet, but must stop it.
      const target = started ? contextOrNull() : null;
      if (!target?.stop) return;
      try {
        target.stop({});
      } catch (error) {
        logger.warn('LivePusherContext.stop threw while releasing', error);
      }
      started = false;
    };

    receive((command) => {
      if (command.type === 'RELEASE') release();
      else if (command.type === 'MARK_ACTIVE') started = true;
      else call(command.method, command.options);
    });
    return () => {
      release();
      context = null;
    };
  },
);
