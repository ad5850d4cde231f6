// The mini-program going to the background and back, as events for the room: a suspended pusher
// (status 5000) is restarted when the app shows again.

import { fromCallback, type EventObject } from 'xstate';
import { hasWx } from './host';

export type AppLifecycleEvent = { type: 'APP_SHOWN' } | { type: 'APP_HIDDEN' };

export const appLifecycle = fromCallback<EventObject, undefined, AppLifecycleEvent>(({ sendBack }) => {
  if (!hasWx() || typeof wx.onAppShow !== 'function') return undefined;
  const onShow = (): void => sendBack({ type: 'APP_SHOWN' });
  const onHide = (): void => sendBack({ type: 'APP_HIDDEN' });
  wx.onAppShow(onShow);
  wx.onAppHide(onHide);
  return () => {
    wx.offAppShow?.(onShow);
    wx.offAppHide?.(onHide);
  };
});
