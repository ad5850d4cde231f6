// The TUIKit scene a mini-program declares, which the trtc-room url reports as `component`. trtc-wx reads it
// when it builds the url, from wx.TUIScene, then the 'TUIScene' storage key, then getApp().globalData.TUIScene;
// trtc-cloud-wx's callExperimentalAPI('setFramework', { component }) writes the first two.

import { hasWx } from './host';

type SceneHolder = { TUIScene?: unknown };

/** The declared scene ('' when none): a number 1..19 or a TUIKit name such as 'TUICallKit'. */
export function currentTuiScene(): unknown {
  if (!hasWx()) return '';
  try {
    const fromWx = (wx as unknown as SceneHolder).TUIScene;
    if (fromWx) return fromWx;
    const stored: unknown = typeof wx.getStorageSync === 'function' ? wx.getStorageSync('TUIScene') : '';
    if (stored) return stored;
    if (typeof getApp !== 'function') return '';
    const globalData = (getApp() as { globalData?: SceneHolder } | undefined)?.globalData;
    return globalData?.TUIScene || '';
  } catch {
    // No app yet (getApp throws before App()), or storage unavailable: no scene declared.
    return '';
  }
}
