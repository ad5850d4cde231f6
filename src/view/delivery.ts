// When the page hears the room's events. XState hands emitted events to listeners while the room is still
// processing, and a send from a listener then waits in its mailbox: trtc-wx's own pattern —
// `setData({ playerList: trtc.setPlayerAttributes(id, { muteVideo: false }) })` inside REMOTE_VIDEO_ADD —
// would get the list from before the change. So events are held and handed over once the room is idle:
// those a page call caused, just before that call returns (nested calls nest, as with a synchronous
// emitter); those from elsewhere (the signaling driver, timers), on the next microtask.

import type { RoomActorRef, RoomEvent } from '../machines/room.machine';
import type { RoomEmitted } from '../machines/room-events';

export class EventDelivery {
  /** One buffer per page call in progress; a nested call (from a handler) gets its own. */
  private readonly calls: RoomEmitted[][] = [];
  private background: RoomEmitted[] = [];
  private backgroundScheduled = false;

  constructor(
    private readonly room: RoomActorRef,
    private readonly deliver: (event: RoomEmitted) => void,
  ) {
    room.on('*', (event) => this.hold(event));
  }

  /** Send a page's call to the room; the events it causes reach the handlers before this returns. */
  send(event: RoomEvent): void {
    const caused: RoomEmitted[] = [];
    this.calls.push(caused);
    try {
      this.room.send(event);
    } finally {
      this.calls.pop();
    }
    for (const emitted of caused) this.deliver(emitted);
  }

  private hold(event: RoomEmitted): void {
    const call = this.calls[this.calls.length - 1];
    if (call) {
      call.push(event);
      return;
    }
    this.background.push(event);
    if (this.backgroundScheduled) return;
    this.backgroundScheduled = true;
    // Promise rather than queueMicrotask: older WeChat JS engines have the one, not always the other.
    void Promise.resolve().then(() => {
      this.backgroundScheduled = false;
      const events = this.background;
      this.background = [];
      for (const emitted of events) this.deliver(emitted);
    });
  }
}
