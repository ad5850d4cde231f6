// RoomStore in process memory: the dev server's default. Each method runs to completion without awaiting,
// which is what makes its limit checks atomic here; a shared store must get the same from transactions.

import { streamKey, type RoomSnapshot, type SceneWire, type StreamTypeWire } from '../../src/core/protocol';
import type { RoomLimits } from '../config';
import {
  LIMIT_MESSAGES,
  type AddMemberResult,
  type Departure,
  type MemberRecord,
  type PublishResult,
  type RoomIdentity,
  type RoomInfo,
  type RoomKey,
  type RoomState,
  type RoomStore,
  type RoomSummary,
  type StreamRecord,
  type SubscribeResult,
  type SubscriptionRecord,
  type VisibilityResult,
} from './room-store';

interface Room {
  info: RoomInfo;
  members: Map<string, MemberRecord>;
  /** By streamKey. */
  streams: Map<string, StreamRecord>;
  /** subscriberID -> streamKey -> subscription */
  subscriptions: Map<string, Map<string, SubscriptionRecord>>;
}

const copyMember = (m: MemberRecord): MemberRecord => ({ ...m, muted: { ...m.muted } });
const copyInfo = (i: RoomInfo): RoomInfo => ({ ...i, businessIds: [...i.businessIds] });

export class MemoryRoomStore implements RoomStore {
  private readonly rooms = new Map<RoomKey, Room>();

  async tryAddMember(identity: RoomIdentity, scene: SceneWire, member: MemberRecord, limits: RoomLimits): Promise<AddMemberResult> {
    const existingRoom = this.rooms.get(identity.key);
    const roomScene = existingRoom?.info.scene ?? scene;
    const previous = existingRoom?.members.get(member.userID) ?? null;
    let total = 0;
    let visible = 0;
    for (const m of existingRoom?.members.values() ?? []) {
      if (m === previous) continue;
      total += 1;
      if (m.visible) visible += 1;
    }
    if (roomScene === 'rtc' && total >= limits.rtcUsersPerRoom) return LIMIT_MESSAGES.roomFullRtc(limits.rtcUsersPerRoom);
    if (member.visible && visible >= limits.visibleUsersPerRoom) return LIMIT_MESSAGES.visible(limits.visibleUsersPerRoom);
    if (!member.visible && total - visible >= limits.silentUsersPerRoom) return LIMIT_MESSAGES.silent(limits.silentUsersPerRoom);

    let room = existingRoom;
    const created = room === undefined;
    if (!room) {
      room = {
        info: { ...identity, scene: roomScene, createdAt: member.joinedAt, businessIds: [] },
        members: new Map(),
        streams: new Map(),
        subscriptions: new Map(),
      };
      this.rooms.set(identity.key, room);
    }
    const replaced = previous ? this.depart(room, previous, true) : null;
    room.members.set(member.userID, copyMember(member));
    if (member.businessId !== null && !room.info.businessIds.includes(member.businessId)) room.info.businessIds.push(member.businessId);
    return { ok: true, room: copyInfo(room.info), created, replaced };
  }

  async removeMember(key: RoomKey, userID: string, sessionId: string): Promise<{ departure: Departure; endedRoom: RoomInfo | null } | null> {
    const room = this.rooms.get(key);
    const member = room?.members.get(userID);
    if (!room || !member || member.sessionId !== sessionId) return null;
    const departure = this.depart(room, member, true);
    let endedRoom: RoomInfo | null = null;
    if (room.members.size === 0) {
      this.rooms.delete(key);
      endedRoom = copyInfo(room.info);
    }
    return { departure, endedRoom };
  }

  async getMember(key: RoomKey, userID: string): Promise<MemberRecord | null> {
    const member = this.rooms.get(key)?.members.get(userID);
    return member ? copyMember(member) : null;
  }

  async listMembers(key: RoomKey): Promise<MemberRecord[]> {
    return [...(this.rooms.get(key)?.members.values() ?? [])].map(copyMember);
  }

  async snapshotFor(key: RoomKey, userID: string): Promise<RoomSnapshot> {
    const room = this.rooms.get(key);
    if (!room) return { users: [], streams: [] };
    const users = [...room.members.values()].filter((m) => m.visible && m.userID !== userID).map((m) => m.userID);
    const streams = [...room.streams.values()]
      .filter((s) => s.state === 'live' && s.userID !== userID && room.members.get(s.userID)?.visible === true)
      .map((s) => ({ userID: s.userID, streamType: s.streamType, audio: s.audio, video: s.video }));
    return { users, streams };
  }

  async trySetVisibility(key: RoomKey, userID: string, visible: boolean, limits: RoomLimits): Promise<VisibilityResult> {
    const room = this.rooms.get(key);
    const member = room?.members.get(userID);
    if (!room || !member) return LIMIT_MESSAGES.notInRoom();
    if (member.visible === visible) return { ok: true, changed: false, member: copyMember(member), removed: null };
    let visibleCount = 0;
    for (const m of room.members.values()) if (m.visible) visibleCount += 1;
    const silentCount = room.members.size - visibleCount;
    if (visible && visibleCount >= limits.visibleUsersPerRoom) return LIMIT_MESSAGES.visible(limits.visibleUsersPerRoom);
    if (!visible && silentCount >= limits.silentUsersPerRoom) return LIMIT_MESSAGES.silent(limits.silentUsersPerRoom);
    // A silent user keeps watching (its own subscriptions stay) but nothing of it may remain visible.
    const removed = visible ? null : this.depart(room, member, false);
    member.visible = visible;
    return { ok: true, changed: true, member: copyMember(member), removed };
  }

  async setMute(key: RoomKey, userID: string, muted: { audio: boolean; video: boolean }): Promise<{ member: MemberRecord; changed: StreamRecord[] } | null> {
    const room = this.rooms.get(key);
    const member = room?.members.get(userID);
    if (!room || !member) return null;
    member.muted = { ...muted };
    const changed: StreamRecord[] = [];
    for (const stream of room.streams.values()) {
      if (stream.userID !== userID) continue;
      const audio = !muted.audio;
      const video = !muted.video;
      if (stream.audio === audio && stream.video === video) continue;
      stream.audio = audio;
      stream.video = video;
      changed.push({ ...stream });
    }
    return { member: copyMember(member), changed };
  }

  async tryPublish(key: RoomKey, userID: string, streamType: StreamTypeWire, limits: RoomLimits, live: boolean): Promise<PublishResult> {
    const room = this.rooms.get(key);
    const member = room?.members.get(userID);
    if (!room || !member) return LIMIT_MESSAGES.notInRoom();
    if (!member.visible) return LIMIT_MESSAGES.silentCannotPublish();
    if (member.role === 'audience') return LIMIT_MESSAGES.audienceCannotPublish();
    const existing = room.streams.get(streamKey(userID, streamType));
    if (existing) {
      const becameLive = live && existing.state === 'pending';
      if (becameLive) existing.state = 'live';
      return { ok: true, stream: { ...existing }, created: false, becameLive };
    }
    if (room.info.scene === 'live') {
      const anchors = new Set<string>();
      for (const s of room.streams.values()) anchors.add(s.userID);
      if (!anchors.has(userID) && anchors.size >= limits.liveAnchorsPerRoom) return LIMIT_MESSAGES.roomFullLive(limits.liveAnchorsPerRoom);
    }
    const stream: StreamRecord = { userID, streamType, audio: !member.muted.audio, video: !member.muted.video, state: live ? 'live' : 'pending', since: Date.now() };
    room.streams.set(streamKey(userID, streamType), stream);
    return { ok: true, stream: { ...stream }, created: true, becameLive: live };
  }

  async setStreamLive(
    key: RoomKey,
    userID: string,
    streamType: StreamTypeWire,
    live: boolean,
  ): Promise<{ stream: StreamRecord; changed: boolean; droppedSubscriptions: SubscriptionRecord[] } | null> {
    const room = this.rooms.get(key);
    const stream = room?.streams.get(streamKey(userID, streamType));
    if (!room || !stream) return null;
    const target = live ? 'live' : 'pending';
    if (stream.state === target) return { stream: { ...stream }, changed: false, droppedSubscriptions: [] };
    stream.state = target;
    const droppedSubscriptions = live ? [] : this.dropSubscriptionsTo(room, userID, streamType);
    return { stream: { ...stream }, changed: true, droppedSubscriptions };
  }

  async unpublish(key: RoomKey, userID: string, streamType: StreamTypeWire): Promise<{ stream: StreamRecord; droppedSubscriptions: SubscriptionRecord[] } | null> {
    const room = this.rooms.get(key);
    const k = streamKey(userID, streamType);
    const stream = room?.streams.get(k);
    if (!room || !stream) return null;
    room.streams.delete(k);
    return { stream: { ...stream }, droppedSubscriptions: this.dropSubscriptionsTo(room, userID, streamType) };
  }

  async streamsOf(key: RoomKey, userID: string): Promise<StreamRecord[]> {
    return [...(this.rooms.get(key)?.streams.values() ?? [])].filter((s) => s.userID === userID).map((s) => ({ ...s }));
  }

  async trySubscribe(key: RoomKey, subscription: SubscriptionRecord, limits: RoomLimits): Promise<SubscribeResult> {
    const room = this.rooms.get(key);
    const { subscriberID, userID, streamType } = subscription;
    if (!room || !room.members.has(subscriberID)) return LIMIT_MESSAGES.notInRoom();
    const stream = room.streams.get(streamKey(userID, streamType));
    // Pending streams and one's own are not streams one can see: the same answer as a missing one.
    if (!stream || stream.state !== 'live' || userID === subscriberID || room.members.get(userID)?.visible !== true) {
      return LIMIT_MESSAGES.streamNotFound(userID, streamType);
    }
    let mine = room.subscriptions.get(subscriberID);
    const k = streamKey(userID, streamType);
    const existing = mine?.get(k);
    if (existing) {
      existing.audio = subscription.audio;
      existing.video = subscription.video;
      return { ok: true, created: false, count: mine!.size };
    }
    if ((mine?.size ?? 0) >= limits.subscriptionsPerUser) return LIMIT_MESSAGES.subscriptions(limits.subscriptionsPerUser);
    if (!mine) {
      mine = new Map();
      room.subscriptions.set(subscriberID, mine);
    }
    mine.set(k, { ...subscription });
    return { ok: true, created: true, count: mine.size };
  }

  async unsubscribe(key: RoomKey, subscriberID: string, userID: string, streamType: StreamTypeWire): Promise<boolean> {
    const mine = this.rooms.get(key)?.subscriptions.get(subscriberID);
    return mine?.delete(streamKey(userID, streamType)) ?? false;
  }

  async subscriptionsOf(key: RoomKey, subscriberID: string): Promise<SubscriptionRecord[]> {
    return [...(this.rooms.get(key)?.subscriptions.get(subscriberID)?.values() ?? [])].map((s) => ({ ...s }));
  }

  async getRoom(key: RoomKey): Promise<RoomState | null> {
    const room = this.rooms.get(key);
    return room ? this.stateOf(room) : null;
  }

  async listRooms(): Promise<RoomSummary[]> {
    return [...this.rooms.values()].map((room) => {
      let visibleUsers = 0;
      for (const m of room.members.values()) if (m.visible) visibleUsers += 1;
      let subscriptions = 0;
      for (const mine of room.subscriptions.values()) subscriptions += mine.size;
      return {
        ...copyInfo(room.info),
        users: room.members.size,
        visibleUsers,
        silentUsers: room.members.size - visibleUsers,
        streams: room.streams.size,
        subscriptions,
      };
    });
  }

  async deleteRoom(key: RoomKey): Promise<RoomState | null> {
    const room = this.rooms.get(key);
    if (!room) return null;
    this.rooms.delete(key);
    return this.stateOf(room);
  }

  async close(): Promise<void> {
    this.rooms.clear();
  }

  // --- internals --------------------------------------------------------------------------------------------

  /** Take a member's streams down (and others' subscriptions to them); `leaving` also drops the member. */
  private depart(room: Room, member: MemberRecord, leaving: boolean): Departure {
    const streams: StreamRecord[] = [];
    const droppedSubscriptions: SubscriptionRecord[] = [];
    for (const [k, stream] of room.streams) {
      if (stream.userID !== member.userID) continue;
      room.streams.delete(k);
      streams.push({ ...stream });
      droppedSubscriptions.push(...this.dropSubscriptionsTo(room, stream.userID, stream.streamType));
    }
    if (leaving) {
      room.members.delete(member.userID);
      room.subscriptions.delete(member.userID);
    }
    return { member: copyMember(member), streams, droppedSubscriptions };
  }

  private dropSubscriptionsTo(room: Room, userID: string, streamType: StreamTypeWire): SubscriptionRecord[] {
    const k = streamKey(userID, streamType);
    const dropped: SubscriptionRecord[] = [];
    for (const mine of room.subscriptions.values()) {
      const sub = mine.get(k);
      if (sub) {
        mine.delete(k);
        dropped.push({ ...sub });
      }
    }
    return dropped;
  }

  private stateOf(room: Room): RoomState {
    return {
      info: copyInfo(room.info),
      members: [...room.members.values()].map(copyMember),
      streams: [...room.streams.values()].map((s) => ({ ...s })),
      subscriptions: [...room.subscriptions.values()].flatMap((mine) => [...mine.values()].map((s) => ({ ...s }))),
    };
  }
}
