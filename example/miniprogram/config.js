// What the example pages connect to. Edit this file (or pass the same keys in a page's query) before running.

module.exports = {
  // 'websocket': wxrtc's own dev server (`npm start` in the repository prints its url), the way to try the
  // example without a Tencent Cloud account. 'trtc-room': Tencent Cloud, exactly as trtc-wx does it; then
  // sdkAppID and userSig must come from your Tencent Cloud application.
  driver: 'websocket',

  // The dev server's signaling url. DevTools with "不校验合法域名" can use ws:// on your machine's LAN
  // address; a phone needs a wss:// url on a domain listed as a socket domain in the mini-program console.
  signalingUrl: 'ws://127.0.0.1:8787/v1/signaling',

  // The dev server's default sdkAppID (--sdkappid / WXRTC_SDKAPPID changes it).
  sdkAppID: 1400000000,

  // A userSig is signed with a secret a mini-program must never hold, so the example does not compute one:
  // pass it in the page query (?userID=alice&userSig=...) or paste it here, keyed by userID. For the dev
  // server, `npm run usersig -- --user alice` prints one; for Tencent Cloud, your own server issues them.
  userSigs: {},

  roomID: 1001,
}
