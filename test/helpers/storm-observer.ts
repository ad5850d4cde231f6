// The page's-eye invariants a storm checks after every step, whatever the driver: what fired and when, what the
// player list holds against the reference's announced streams, and which tag contexts were stopped.

import { ErrorCode } from '../../src/core/errors';
import { EVENT } from '../../src/view/events';
import type { TRTC } from '../../src/trtc';
import type { HeadlessWx } from '../../src/testing/wx';

export interface AnnouncedStream {
  userID: string;
  streamType: 'main' | 'aux';
  audio: boolean;
  video: boolean;
}

/** What the reference says after a step: whether the page is in a room, and the users and streams announced there. */
export interface Expectation {
  inRoom: boolean;
  users: readonly string[];
  streams: ReadonlyMap<string, AnnouncedStream>;
  /**
   * Whether the page should still believe it is in the room (no LOCAL_LEAVE yet); defaults to `inRoom`. Differs
   * only while the room waits for a leave to be confirmed after leaving on its own (a refused re-join).
   */
  pageInRoom?: boolean;
  /**
   * enterRoom was called while the room was still leaving, before this step: the room enters again as soon as the
   * leave completes, so what follows LOCAL_LEAVE belongs to that (already requested) enter.
   */
  enterQueued?: boolean;
}

const REMOTE = new Set<string>([
  EVENT.REMOTE_USER_JOIN, EVENT.REMOTE_USER_LEAVE, EVENT.REMOTE_VIDEO_ADD, EVENT.REMOTE_VIDEO_REMOVE, EVENT.REMOTE_AUDIO_ADD,
  EVENT.REMOTE_AUDIO_REMOVE, EVENT.REMOTE_STATE_UPDATE, EVENT.REMOTE_NET_STATE_UPDATE, EVENT.REMOTE_AUDIO_VOLUME_UPDATE,
  EVENT.STREAM_ADDED, EVENT.STREAM_REMOVED, EVENT.MUTE_AUDIO, EVENT.UNMUTE_AUDIO, EVENT.MUTE_VIDEO, EVENT.UNMUTE_VIDEO,
]);

/**
 * After LOCAL_LEAVE / KICKED_OUT and until the page enters again, only what answers the page's own calls and its
 * own <live-pusher>/<live-player> tags may fire: errors of a call, the local tag's net status, volume and music.
 */
const ALLOWED_WHILE_OUT = new Set<string>([
  // The answer to the page's own exitRoom, which trtc-wx gives after a kick too.
  EVENT.LOCAL_LEAVE,
  EVENT.ERROR, EVENT.LOCAL_NET_STATE_UPDATE, EVENT.LOCAL_AUDIO_VOLUME_UPDATE, EVENT.BGM_PLAY_START, EVENT.BGM_PLAY_PROGRESS,
  EVENT.BGM_PLAY_COMPLETE, EVENT.BGM_PLAY_FAIL, EVENT.VIDEO_FULLSCREEN_UPDATE,
]);

/**
 * A warning that answers the page's own call about a player that is not there (setPlayerAttributes or
 * switchStreamType after leaving): the page asked, so it hears why nothing happened, in or out of a room.
 */
const answersThePage = (code: string, data: { code?: unknown } | undefined): boolean =>
  code === EVENT.PLAYER_WARNING && data?.code === ErrorCode.UNKNOWN_PLAYER;

const trackKey = (userID: string, streamType: string, kind: 'audio' | 'video') => `${userID}|${streamType}|${kind}`;

export class StormObserver {
  readonly violations: string[] = [];
  private stepEvents: Array<{ code: string; data: any }> = [];
  /** Tracks the page was told about (ADD) and not yet told are gone (REMOVE, or the user's LEAVE). */
  private readonly openTracks = new Set<string>();
  /** Users the page was told joined (REMOTE_USER_JOIN) and not yet told left. */
  private readonly usersTold = new Set<string>();
  /** From the page's events: LOCAL_JOIN ... LOCAL_LEAVE / KICKED_OUT / exitRoom(). */
  private pageInRoom = false;
  /** LOCAL_LEAVE or KICKED_OUT happened and the page has not called enterRoom since. */
  private out = false;
  /** Players that asked for media since they appeared: when they go, their context must be stopped. */
  private readonly wantedMedia = new Set<string>();
  private previousIds: string[] = [];
  private pusherStarted = false;
  /** The pusher machine was pushing (or retrying) when the step began: autopush starts without a start() call. */
  private pusherActiveBefore = false;
  private callsSeen = 0;
  private label = '';

  constructor(private readonly trtc: TRTC, private readonly wx: HeadlessWx) {
    for (const code of Object.values(EVENT)) trtc.on(code, (event) => void this.stepEvents.push({ code: event.eventCode, data: event.data }));
    this.callsSeen = wx.calls.length;
  }

  /** Call before each step; `enter` and `exit` mark the page's own enterRoom / exitRoom calls. */
  beforeStep(label: string, kind: 'enter' | 'exit' | 'other'): void {
    this.label = label;
    const pusher = this.trtc.actor.getSnapshot().context.pusher?.getSnapshot();
    this.pusherActiveBefore = pusher !== undefined && ['publishing', 'suspended', 'failed'].some((state) => pusher.matches({ stream: state } as never));
    this.stepEvents = [];
    if (kind === 'enter') this.out = false;
    if (kind === 'exit') {
      // The page is leaving: whatever it was shown is over (trtc-wx's exitRoom sends no REMOVE for what remains).
      this.pageInRoom = false;
      this.openTracks.clear();
      this.usersTold.clear();
    }
  }

  private violation(message: string): void {
    this.violations.push(`${this.label}: ${message}`);
  }

  /** Call after each step with the reference's expectation. `threw` is what the step threw at the page, if anything. */
  afterStep(expected: Expectation, threw: unknown): void {
    if (threw !== undefined) this.violation(`an exception reached the page: ${String((threw as Error)?.stack ?? threw)}`);
    if (this.trtc.actor.getSnapshot().status !== 'active') this.violation(`the room actor is ${this.trtc.actor.getSnapshot().status}`);

    let leftAt = -1;
    this.stepEvents.forEach((event, i) => {
      const { code, data } = event;
      if (leftAt >= 0) {
        // The leave itself ends in DISCONNECTED; nothing else follows it.
        if (!(code === EVENT.CONNECTION_STATE_CHANGED && data?.state === 'DISCONNECTED')) this.violation(`${code} fired after ${this.stepEvents[leftAt]!.code} in the same step`);
        return;
      }
      if (this.out && !ALLOWED_WHILE_OUT.has(code) && !answersThePage(code, data)) this.violation(`${code} fired after LOCAL_LEAVE/KICKED_OUT before the next enterRoom`);
      if (code === EVENT.LOCAL_JOIN) {
        if (this.pageInRoom) this.violation('LOCAL_JOIN while already in the room');
        this.pageInRoom = true;
      }
      if (code === EVENT.LOCAL_LEAVE || code === EVENT.KICKED_OUT) {
        const queued = code === EVENT.LOCAL_LEAVE && expected.enterQueued === true;
        if (!queued) leftAt = i;
        this.pageInRoom = false;
        this.out = !queued;
        this.openTracks.clear();
        this.usersTold.clear();
        return;
      }
      if (code === EVENT.REMOTE_USER_JOIN || code === EVENT.REMOTE_USER_LEAVE) {
        const userID: unknown = data?.userID;
        if (typeof userID !== 'string' || userID.length === 0) this.violation(`${code} with userID ${JSON.stringify(userID)}`);
        else if (code === EVENT.REMOTE_USER_JOIN && this.usersTold.has(userID)) this.violation(`REMOTE_USER_JOIN ${userID} twice`);
        else if (code === EVENT.REMOTE_USER_LEAVE && !this.usersTold.has(userID)) this.violation(`REMOTE_USER_LEAVE ${userID} without a JOIN`);
        if (code === EVENT.REMOTE_USER_JOIN) this.usersTold.add(String(userID));
        else this.usersTold.delete(String(userID));
      }
      if ((REMOTE.has(code) || (code === EVENT.UPDATE_URL && data?.local === false)) && !this.pageInRoom) this.violation(`${code} fired outside a room`);
      if (code === EVENT.REMOTE_VIDEO_ADD || code === EVENT.REMOTE_AUDIO_ADD) {
        const key = trackKey(data.player.userID, data.player.streamType, code === EVENT.REMOTE_VIDEO_ADD ? 'video' : 'audio');
        if (this.openTracks.has(key)) this.violation(`${code} ${key} twice without a REMOVE`);
        this.openTracks.add(key);
      }
      if (code === EVENT.REMOTE_VIDEO_REMOVE || code === EVENT.REMOTE_AUDIO_REMOVE) {
        const key = trackKey(data.player.userID, data.player.streamType, code === EVENT.REMOTE_VIDEO_REMOVE ? 'video' : 'audio');
        if (!this.openTracks.delete(key)) this.violation(`${code} ${key} without an ADD`);
      }
      if (code === EVENT.REMOTE_USER_LEAVE) {
        for (const key of [...this.openTracks]) if (key.startsWith(`${data.userID}|`)) this.openTracks.delete(key);
      }
    });

    const pageShouldBeIn = expected.pageInRoom ?? expected.inRoom;
    if (this.pageInRoom !== pageShouldBeIn) this.violation(`the page is ${this.pageInRoom ? '' : 'not '}in the room by its events, the reference says ${pageShouldBeIn ? 'in' : 'out'}`);

    let list: Array<Record<string, any>> = [];
    try {
      list = this.trtc.getPlayerList() as unknown as Array<Record<string, any>>;
    } catch (error) {
      this.violation(`getPlayerList threw ${String(error)}`);
    }
    const ids = list.map((p) => String(p.id));
    if (new Set(ids).size !== ids.length) this.violation(`player list has an id twice: ${ids.join(',')}`);
    if (!expected.inRoom && ids.length > 0) this.violation(`player list not empty outside a room: ${ids.join(',')}`);
    if (expected.inRoom) {
      const users = [...this.usersTold].sort();
      if (JSON.stringify(users) !== JSON.stringify([...expected.users].sort())) this.violation(`users told ${JSON.stringify(users)} != in the room ${JSON.stringify([...expected.users].sort())}`);
      const want = [...expected.streams.keys()].sort();
      if (JSON.stringify([...ids].sort()) !== JSON.stringify(want)) this.violation(`player list ${JSON.stringify([...ids].sort())} != announced ${JSON.stringify(want)}`);
      for (const p of list) {
        const stream = expected.streams.get(String(p.id));
        if (stream && (p.hasAudio !== stream.audio || p.hasVideo !== stream.video)) {
          this.violation(`${p.id} has audio=${p.hasAudio} video=${p.hasVideo}, announced audio=${stream.audio} video=${stream.video}`);
        }
      }
      // Every track the page was told about is announced, and every announced track was told.
      const announced = new Set<string>();
      for (const s of expected.streams.values()) {
        if (s.audio) announced.add(trackKey(s.userID, s.streamType, 'audio'));
        if (s.video) announced.add(trackKey(s.userID, s.streamType, 'video'));
      }
      const told = [...this.openTracks].sort();
      if (JSON.stringify(told) !== JSON.stringify([...announced].sort())) this.violation(`tracks told ${JSON.stringify(told)} != announced ${JSON.stringify([...announced].sort())}`);
    }

    // Contexts: every player that asked for media is stopped when it goes; the pusher is stopped when the room is left.
    const calls = this.wx.calls.slice(this.callsSeen);
    this.callsSeen = this.wx.calls.length;
    const stopped = new Set(calls.filter((c) => c.method === 'stop').map((c) => c.target));
    // A player is gone when its id left the list, or when it was removed and a new one took its id in the same step.
    const replaced = new Set<string>();
    for (const { code, data } of this.stepEvents) {
      if (code === EVENT.STREAM_REMOVED) replaced.add(`${data.userID}_${data.streamType}`);
      if (code === EVENT.REMOTE_USER_LEAVE) for (const id of this.previousIds) if (id.startsWith(`${data.userID}_`)) replaced.add(id);
    }
    for (const id of this.previousIds) {
      if ((!ids.includes(id) || replaced.has(id)) && this.wantedMedia.has(id)) {
        if (!stopped.has(id)) this.violation(`player ${id} asked for media and went away without its context being stopped`);
        this.wantedMedia.delete(id);
      }
    }
    for (const id of [...this.wantedMedia]) if (!ids.includes(id)) this.wantedMedia.delete(id);
    for (const p of list) if ((p.hasVideo && !p.muteVideo) || (p.hasAudio && !p.muteAudio)) this.wantedMedia.add(String(p.id));
    this.previousIds = ids;
    const left = this.stepEvents.some((e) => e.code === EVENT.LOCAL_LEAVE || e.code === EVENT.KICKED_OUT);
    for (const c of calls.filter((x) => x.target === 'pusher')) {
      if (c.method === 'start' || c.method === 'resume') this.pusherStarted = true;
      if (c.method === 'stop') this.pusherStarted = false;
    }
    if (left) {
      if (this.pusherStarted) this.violation('the room was left and the pusher context was not stopped');
      if (this.pusherActiveBefore && !stopped.has('pusher')) this.violation('the room was left while the pusher was pushing, and its context got no stop()');
      const pusher = this.trtc.getPusherAttributes() as { url?: string };
      if (pusher.url) this.violation(`the room was left and the pusher still has url ${pusher.url}`);
    }
  }

  /** Whether the page believes it is in a room, from the events up to the last step. */
  get inRoomByEvents(): boolean {
    return this.pageInRoom;
  }

  /** Counts for the summary line. */
  get eventsSeen(): number {
    return this.stepEvents.length;
  }
}
