// An 8-person meeting grid. The page lets the SDK keep `pusher` and `playerList` in its data (trtc.bindPage):
// with seven remote users, patching only what changed costs far less setData than whole lists on every event.

const { createTRTC, roomOf, componentHandlers } = require('../../utils/room')

Page({
  ...componentHandlers,

  data: {
    pusher: {},
    playerList: [],
    roomID: 0,
    userID: '',
    status: 'idle',
    error: '',
  },

  onLoad(query) {
    const room = roomOf(query)
    this.room = room
    this.TRTC = createTRTC(this, query)
    // From here on the SDK owns data.pusher and data.playerList; the page never setData's them itself.
    this.TRTC.bindPage()
    const EVENT = this.TRTC.EVENT
    this.setData({ roomID: room.roomID, userID: room.userID })
    // autopush: <live-pusher> starts by itself once the bound url is rendered, so there is no setData
    // callback to wait for before calling start().
    this.TRTC.createPusher({ enableCamera: true, enableMic: true, autopush: true })

    this.TRTC.on(EVENT.LOCAL_JOIN, () => this.setData({ status: 'in the meeting' }))
    // Remote tracks are pulled by default (as trtc-wx 1.1.6+); unmuting as they arrive keeps this page right
    // with `pull: 'manual'` too, where they start muted: in a meeting everyone sees and hears everyone.
    this.TRTC.on(EVENT.REMOTE_VIDEO_ADD, (event) => this.TRTC.setPlayerAttributes(event.data.player.id, { muteVideo: false }))
    this.TRTC.on(EVENT.REMOTE_AUDIO_ADD, (event) => this.TRTC.setPlayerAttributes(event.data.player.id, { muteAudio: false }))
    this.TRTC.on(EVENT.KICKED_OUT, (event) => this.setData({ status: 'kicked out: ' + event.data.reason }))
    // 8020 VISIBLE_USER_LIMIT: the room already has the 8 visible users a mini-program room allows.
    this.TRTC.on(EVENT.ERROR, (event) => this.setData({ error: event.data.code + ' ' + event.data.message }))

    const { sdkAppID, userID, userSig, roomID } = room
    this.TRTC.enterRoom({ sdkAppID, userID, userSig, roomID, enableMic: true, enableCamera: true })
    this.setData({ status: 'entering' })
  },

  leave() {
    this.TRTC.exitRoom()
    this.setData({ status: 'left' })
  },

  toggleMic() {
    this.TRTC.setPusherAttributes({ enableMic: !this.data.pusher.enableMic })
  },

  onUnload() {
    this.TRTC.exitRoom()
    this.TRTC.destroy()
  },
})
