// A live room: anchors (role 'anchor') publish, the audience (role 'audience') only plays them. Audience
// members are invisible: they do not count toward the room's 8 visible users (up to 2000 may watch) and the
// anchors are never told they came or went. Open as ?role=anchor or ?role=audience.

const { createTRTC, roomOf, componentHandlers } = require('../../utils/room')

Page({
  ...componentHandlers,

  data: {
    pusher: {},
    playerList: [],
    role: 'audience',
    roomID: 0,
    userID: '',
    // Anchors on air, as this page knows them (an anchor sees the other anchors; nobody sees the audience).
    anchors: [],
    status: 'idle',
    error: '',
  },

  onLoad(query) {
    const room = roomOf(query)
    const role = query.role === 'anchor' ? 'anchor' : 'audience'
    const publishing = role === 'anchor'
    this.room = room
    this.TRTC = createTRTC(this, query)
    const EVENT = this.TRTC.EVENT
    this.setData({
      role,
      roomID: room.roomID,
      userID: room.userID,
      // The audience keeps a <live-pusher> too: with the trtc-room driver it is what carries the room's signaling.
      pusher: this.TRTC.createPusher({ enableCamera: publishing, enableMic: publishing }).pusherAttributes,
    })
    // Invisibility is a request to the server: the websocket driver supports it. On Tencent Cloud (trtc-room)
    // scene 'live' already hides the audience from the anchors, and setUserVisibility would be refused (7013).
    if (!publishing && room.driver === 'websocket') this.TRTC.setUserVisibility(false)

    this.TRTC.on(EVENT.LOCAL_JOIN, () => this.setData({ status: publishing ? 'on air' : 'watching' }))
    const showAnchors = (event) => this.setData({ anchors: event.data.userList.map((user) => user.userID), playerList: event.data.playerList })
    this.TRTC.on(EVENT.REMOTE_USER_JOIN, showAnchors)
    this.TRTC.on(EVENT.REMOTE_USER_LEAVE, showAnchors)
    this.TRTC.on(EVENT.REMOTE_VIDEO_ADD, (event) => {
      this.setData({ playerList: this.TRTC.setPlayerAttributes(event.data.player.id, { muteVideo: false }) })
    })
    this.TRTC.on(EVENT.REMOTE_AUDIO_ADD, (event) => {
      this.setData({ playerList: this.TRTC.setPlayerAttributes(event.data.player.id, { muteAudio: false }) })
    })
    this.TRTC.on(EVENT.UPDATE_URL, () => {
      this.setData({ pusher: this.TRTC.getPusherAttributes(), playerList: this.TRTC.getPlayerList() })
    })
    this.TRTC.on(EVENT.KICKED_OUT, (event) => {
      this.setData({ pusher: this.TRTC.getPusherAttributes(), playerList: [], anchors: [], status: 'kicked out: ' + event.data.reason })
    })
    this.TRTC.on(EVENT.ERROR, (event) => this.setData({ error: event.data.code + ' ' + event.data.message }))

    const { sdkAppID, userID, userSig, roomID } = room
    this.setData(
      {
        pusher: this.TRTC.enterRoom({ sdkAppID, userID, userSig, roomID, scene: 'live', role, enableCamera: publishing, enableMic: publishing }),
        status: 'entering',
      },
      () => this.TRTC.getPusherInstance().start(),
    )
  },

  leave() {
    const { pusher, playerList } = this.TRTC.exitRoom()
    this.setData({ pusher, playerList, anchors: [], status: 'left' })
  },

  onUnload() {
    this.TRTC.exitRoom()
    this.TRTC.destroy()
  },
})
