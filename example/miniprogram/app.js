// The example's App: nothing global. Each page builds its own TRTC, so leaving a page ends its room.
App({})
