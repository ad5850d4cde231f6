// The mini-program coming back to the foreground, as an event for the room: a pusher suspended while the app
// was hidden (status 5000) is restarted when the app shows again. Going to the background is not listened
// for: live-pusher reports it itself (5000), and trtc-wx 1.1.15 never calls wx.onAppHide either.

import { fromCallback, type EventObject } from 'xstate';
import { hasWx } from './host';

export type AppLifecycleEvent = { type: 'APP_SHOWN' };

export const appLifecycle = fromCallback<EventObject, undefined, AppLifecycleEvent>(({ sendBack }) => {
  if (!hasWx() || typeof wx.onAppShow !== 'function') return undefined;
  const onShow = (): void => sendBack({ type: 'APP_SHOWN' });
  wx.onAppShow(onShow);
  return () => wx.offAppShow?.(onShow);
});
