// Facts about the phone the SDK needs: the platform (Android clients are warned from their 6th subscription).

import { hasWx } from './host';

export type Platform = 'ios' | 'android' | 'devtools' | 'windows' | 'mac' | 'unknown';

export function currentPlatform(): Platform {
  if (!hasWx() || typeof wx.getSystemInfoSync !== 'function') return 'unknown';
  try {
    const platform = String(wx.getSystemInfoSync().platform ?? '').toLowerCase();
    return (['ios', 'android', 'devtools', 'windows', 'mac'] as const).find((p) => p === platform) ?? 'unknown';
  } catch {
    return 'unknown';
  }
}
