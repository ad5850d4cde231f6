// The example's start page: who you are, which room, and which of the three scenes to open. Everything it
// collects goes to the scene page as its query, the same keys config.js provides defaults for.

const config = require('../../config')

Page({
  data: {
    userID: 'alice',
    userSig: '',
    roomID: String(config.roomID),
    driver: config.driver,
  },

  onUserID(event) { this.setData({ userID: event.detail.value }) },
  onUserSig(event) { this.setData({ userSig: event.detail.value }) },
  onRoomID(event) { this.setData({ roomID: event.detail.value }) },

  open(event) {
    const { page, role } = event.currentTarget.dataset
    const query = {
      userID: this.data.userID,
      roomID: this.data.roomID,
      // An empty userSig falls back to config.userSigs[userID] on the scene page.
      userSig: this.data.userSig,
      role: role || '',
    }
    const search = Object.keys(query)
      .filter((key) => query[key] !== '')
      .map((key) => key + '=' + encodeURIComponent(query[key]))
      .join('&')
    wx.navigateTo({ url: '/pages/' + page + '/' + page + '?' + search })
  },
})
