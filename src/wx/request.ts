// An HTTP POST through wx.request, as a promise. Its domain must be a request domain in the mini-program console.

import { hasWx } from './host';

export function postJson(url: string, body: unknown, timeoutMs = 10_000): Promise<number> {
  return new Promise((resolve, reject) => {
    if (!hasWx() || typeof wx.request !== 'function') {
      reject(new Error('wx.request is not available'));
      return;
    }
    wx.request({
      url,
      method: 'POST',
      data: body as WechatMiniprogram.IAnyObject,
      header: { 'content-type': 'application/json' },
      timeout: timeoutMs,
      success: (result) => resolve(result.statusCode),
      fail: (error) => reject(new Error(error.errMsg)),
    });
  });
}
