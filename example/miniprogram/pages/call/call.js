// A 1v1 call, written the way trtc-wx's guide writes a page: setData of what every SDK call returns and what
// every event carries. Only utils/room.js's createTRTC knows which signaling driver is in use.

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
    const EVENT = this.TRTC.EVENT
    this.setData({
      roomID: room.roomID,
      userID: room.userID,
      // createPusher before enterRoom: some attributes (camera position) only apply when the tag is inserted.
      pusher: this.TRTC.createPusher({ enableCamera: true, enableMic: true }).pusherAttributes,
    })

    this.TRTC.on(EVENT.LOCAL_JOIN, () => this.setData({ status: 'waiting for the other side' }))
    // Remote tracks are pulled by default (as trtc-wx 1.1.6+); unmuting each as it arrives, which subscribes
    // to it, keeps this page right with `pull: 'manual'` too, where they start muted.
    this.TRTC.on(EVENT.REMOTE_VIDEO_ADD, (event) => {
      this.setData({ playerList: this.TRTC.setPlayerAttributes(event.data.player.id, { muteVideo: false }), status: 'in call' })
    })
    this.TRTC.on(EVENT.REMOTE_AUDIO_ADD, (event) => {
      this.setData({ playerList: this.TRTC.setPlayerAttributes(event.data.player.id, { muteAudio: false }) })
    })
    this.TRTC.on(EVENT.REMOTE_USER_LEAVE, (event) => {
      this.setData({ playerList: event.data.playerList, status: 'the other side hung up' })
    })
    // The websocket driver hands out media urls after entering, and new ones after a reconnect: rebind.
    this.TRTC.on(EVENT.UPDATE_URL, () => {
      this.setData({ pusher: this.TRTC.getPusherAttributes(), playerList: this.TRTC.getPlayerList() })
    })
    // A track that stops (the other side muted it) is reflected in the list the event carries.
    this.TRTC.on(EVENT.REMOTE_VIDEO_REMOVE, (event) => this.setData({ playerList: event.data.playerList }))
    this.TRTC.on(EVENT.REMOTE_AUDIO_REMOVE, (event) => this.setData({ playerList: event.data.playerList }))
    // Kicked (same userID elsewhere, removed by an admin, room dismissed): wxrtc has already stopped everything.
    this.TRTC.on(EVENT.KICKED_OUT, (event) => {
      this.setData({ pusher: this.TRTC.getPusherAttributes(), playerList: [], status: 'kicked out: ' + event.data.reason })
    })
    this.TRTC.on(EVENT.ERROR, (event) => this.setData({ error: event.data.code + ' ' + event.data.message }))

    this.enterRoom()
  },

  enterRoom() {
    const { sdkAppID, userID, userSig, roomID } = this.room
    this.setData(
      { pusher: this.TRTC.enterRoom({ sdkAppID, userID, userSig, roomID, enableMic: true, enableCamera: true }), status: 'entering', error: '' },
      // start() only once <live-pusher> has the url: the setData callback runs after the view has it.
      () => this.TRTC.getPusherInstance().start(),
    )
  },

  hangUp() {
    const { pusher, playerList } = this.TRTC.exitRoom()
    this.setData({ pusher, playerList, status: 'hung up' })
  },

  toggleMic() {
    this.setData({ pusher: this.TRTC.setPusherAttributes({ enableMic: !this.data.pusher.enableMic }) })
  },

  toggleCamera() {
    this.setData({ pusher: this.TRTC.setPusherAttributes({ enableCamera: !this.data.pusher.enableCamera }) })
  },

  onUnload() {
    // Leaving the page ends the call: exit stops the pusher and every player, destroy drops the listeners.
    this.TRTC.exitRoom()
    this.TRTC.destroy()
  },
})
