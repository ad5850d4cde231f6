// What every example page shares: building a TRTC for the configured driver, reading the room from the page
// query, and the <live-pusher>/<live-player> handlers WXML binds, each forwarding to the SDK as in trtc-wx's guide.

const { TRTC, createWebSocketSignaling } = require('wxrtc')
const config = require('../config')

/** A TRTC for this page. The driver is the only difference between Tencent Cloud and the dev server. */
function createTRTC(page, query) {
  const driver = (query && query.driver) || config.driver
  if (driver === 'websocket') {
    const url = (query && query.signalingUrl && decodeURIComponent(query.signalingUrl)) || config.signalingUrl
    return new TRTC(page, { signaling: createWebSocketSignaling({ url }) })
  }
  return new TRTC(page)
}

/** enterRoom's identity from the query, falling back to config.js. */
function roomOf(query) {
  const q = query || {}
  const userID = q.userID || ''
  return {
    driver: q.driver || config.driver,
    sdkAppID: Number(q.sdkAppID || config.sdkAppID),
    userID,
    // Query values arrive url-encoded; a userSig is base64-like and may contain '*', '-' and '_'.
    userSig: q.userSig ? decodeURIComponent(q.userSig) : config.userSigs[userID] || '',
    roomID: Number(q.roomID || config.roomID),
  }
}

/** The page methods the WXML's bind* attributes name. trtc-wx pages define exactly these. */
const componentHandlers = {
  _pusherStateChangeHandler(event) { this.TRTC.pusherEventHandler(event) },
  _pusherNetStatusHandler(event) { this.TRTC.pusherNetStatusHandler(event) },
  _pusherErrorHandler(event) { this.TRTC.pusherErrorHandler(event) },
  _pusherBGMStartHandler(event) { this.TRTC.pusherBGMStartHandler(event) },
  _pusherBGMProgressHandler(event) { this.TRTC.pusherBGMProgressHandler(event) },
  _pusherBGMCompleteHandler(event) { this.TRTC.pusherBGMCompleteHandler(event) },
  _pusherAudioVolumeNotify(event) { this.TRTC.pusherAudioVolumeNotify(event) },
  _playerStateChange(event) { this.TRTC.playerEventHandler(event) },
  _playerFullscreenChange(event) { this.TRTC.playerFullscreenChange(event) },
  _playerNetStatus(event) { this.TRTC.playerNetStatus(event) },
  _playerAudioVolumeNotify(event) { this.TRTC.playerAudioVolumeNotify(event) },
}

module.exports = { createTRTC, roomOf, componentHandlers }
