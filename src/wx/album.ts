// Saving a snapshot to the phone's album, as trtc-wx's snapshot() does for both pusher and player.

import { ErrorCode, WxrtcError } from '../core/errors';
import { hasWx } from './host';

/** A failed WeChat call as the one error type the SDK rejects with: WeChat's errMsg kept as message and data. */
export function wxApiError(errMsg: string): WxrtcError {
  return new WxrtcError(ErrorCode.WX_API_FAILED, errMsg, { errMsg });
}

export function saveImageToAlbum(filePath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!hasWx() || typeof wx.saveImageToPhotosAlbum !== 'function') {
      reject(wxApiError('saveImageToPhotosAlbum:fail not available'));
      return;
    }
    wx.saveImageToPhotosAlbum({
      filePath,
      success: () => resolve(),
      fail: (result) => reject(wxApiError(result?.errMsg ?? 'saveImageToPhotosAlbum:fail')),
    });
  });
}
