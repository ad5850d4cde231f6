// Saving a snapshot to the phone's album, as trtc-wx's snapshot() does for both pusher and player.

import { hasWx } from './host';

export function saveImageToAlbum(filePath: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (!hasWx() || typeof wx.saveImageToPhotosAlbum !== 'function') {
      reject(new Error('saveImageToPhotosAlbum is not available'));
      return;
    }
    wx.saveImageToPhotosAlbum({
      filePath,
      success: () => resolve(),
      fail: (result) => reject(new Error(result?.errMsg ?? 'saveImageToPhotosAlbum:fail')),
    });
  });
}
