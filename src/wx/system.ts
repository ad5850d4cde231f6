// Facts about the phone the SDK needs: the platform (Android clients are warned from their 6th subscription).

import { hasWx } from './host';

/** 'web' is never read from wx: the browser entry (wxrtc/web) says it at join. */
export type Platform = 'ios' | 'android' | 'devtools' | 'windows' | 'mac' | 'web' | 'unknown';

export function currentPlatform(): Platform {
  if (!hasWx() || typeof wx.getSystemInfoSync !== 'function') return 'unknown';
  try {
    const platform = String(wx.getSystemInfoSync().platform ?? '').toLowerCase();
    return (['ios', 'android', 'devtools', 'windows', 'mac'] as const).find((p) => p === platform) ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
