// The one interface behind which room state lives: membership, visibility, streams, subscriptions, and the
// limit checks as atomic operations, so a shared store (Redis) can replace the in-memory one and two
// servers can never both admit the 9th visible user. Everything is async for that reason.
// Records returned are copies: mutating them never changes the store.

import { ErrorCode } from '../../src/core/errors';
import { isRoomID, isStrRoomID, type PlatformWire, type RoleWire, type RoomSnapshot, type SceneWire, type StreamTypeWire } from '../../src/core/protocol';
import type { RoomLimits } from '../config';

/**
 * A room's key: numeric and string rooms live in separate namespaces so room 1234 and strRoomID "1234" are
 * different rooms. 'n:<roomID>' or 's:<strRoomID>'; in admin urls the key is one path segment,
 * percent-encoded (encodeURIComponent), e.g. /admin/rooms/n:1234 or /admin/rooms/s:team%2Fdaily.
 */
export type RoomKey = string;

export interface RoomIdentity {
  key: RoomKey;
  roomID: number | null;
  strRoomID: string | null;
}

export function roomIdentity(room: { roomID?: number; strRoomID?: string }): RoomIdentity {
  if (room.strRoomID !== undefined) return { key: `s:${room.strRoomID}`, roomID: null, strRoomID: room.strRoomID };
  if (room.roomID !== undefined) return { key: `n:${room.roomID}`, roomID: room.roomID, strRoomID: null };
  throw new Error('a room needs roomID or strRoomID');
}

export function parseRoomKey(key: string): RoomIdentity | null {
  // The same rules as a join's roomID / strRoomID: a key names only a room a client could have joined.
  if (key.startsWith('s:') && isStrRoomID(key.slice(2))) return { key, roomID: null, strRoomID: key.slice(2) };
  const numeric = /^n:([1-9]\d{0,9})$/.exec(key);
  if (numeric && isRoomID(Number(numeric[1]))) return { key, roomID: Number(numeric[1]), strRoomID: null };
  return null;
}

export interface RoomInfo extends RoomIdentity {
  /** The scene of the member that created the room; limits follow it. */
  scene: SceneWire;
  createdAt: number;
  /** Every business id a member set during the room's life (room.ended goes to each). */
  businessIds: string[];
}

export interface MemberRecord {
  userID: string;
  sessionId: string;
  role: RoleWire;
  visible: boolean;
  platform: PlatformWire;
  businessId: string | null;
  joinedAt: number;
  /** Local tracks disabled (true = disabled: volc 3.1.0 semantics). Published tracks follow it. */
  muted: { audio: boolean; video: boolean };
}

export interface StreamRecord {
  userID: string;
  streamType: StreamTypeWire;
  /** Tracks sent (true = sent), from the publisher's mute state. */
  audio: boolean;
  video: boolean;
  /** pending: published but the media server has not confirmed the push; only live streams are announced. */
  state: 'pending' | 'live';
  since: number;
}

export interface SubscriptionRecord {
  subscriberID: string;
  userID: string;
  streamType: StreamTypeWire;
  /** The tracks the subscriber asked for, kept as given (the server does not act on them). */
  audio: boolean;
  video: boolean;
  since: number;
}

export interface RoomState {
  info: RoomInfo;
  members: MemberRecord[];
  streams: StreamRecord[];
  subscriptions: SubscriptionRecord[];
}

export interface RoomSummary extends RoomInfo {
  users: number;
  visibleUsers: number;
  silentUsers: number;
  streams: number;
  subscriptions: number;
}

export interface Refusal {
  ok: false;
  code: number;
  message: string;
}

export const refuse = (code: number, message: string): Refusal => ({ ok: false, code, message });

/** What went away with a member (or with its visibility): its streams and others' subscriptions to them. */
export interface Departure {
  member: MemberRecord;
  streams: StreamRecord[];
  droppedSubscriptions: SubscriptionRecord[];
}

/**
 * `version` on a change's result: the room's change version after it (a shared store sets it; the in-memory
 * one has no use for it). Notifications about a change carry its version, so a process can tell whether a
 * member's snapshot already reflects it, and a late notification about a user can be told from a newer one.
 */
export interface Versioned {
  version?: number;
}

export type AddMemberResult = ({ ok: true; room: RoomInfo; created: boolean; replaced: Departure | null } & Versioned) | Refusal;
export type VisibilityResult = ({ ok: true; changed: boolean; member: MemberRecord; removed: Departure | null } & Versioned) | Refusal;
export type PublishResult = ({ ok: true; stream: StreamRecord; created: boolean; becameLive: boolean } & Versioned) | Refusal;
export type SubscribeResult = { ok: true; created: boolean; count: number } | Refusal;
export type RemovalResult = { departure: Departure; endedRoom: RoomInfo | null } & Versioned;

/** Where a snapshot sits in a shared store's room history (see RedisRoomStore): absent in memory. */
export interface RoomPosition {
  /** The room's change version the snapshot reflects. */
  version: number;
  /** The room's incarnation (a room emptied and entered again is a new one). */
  epoch: string;
  /** The room's notification log position at the snapshot. */
  eventSeq: number;
}

export type StoreSnapshot = RoomSnapshot & { position?: RoomPosition };

export interface RoomStore {
  /**
   * Admit a member, atomically with the room's limits: ROOM_FULL (rtc total), VISIBLE_USER_LIMIT,
   * SILENT_USER_LIMIT. A member with the same userID is replaced (it does not count toward the limits) and
   * comes back as `replaced`. Creates the room when missing.
   */
  tryAddMember(room: RoomIdentity, scene: SceneWire, member: MemberRecord, limits: RoomLimits): Promise<AddMemberResult>;
  /** Remove a member if it is still that session (a replaced session's timers must not remove its successor). */
  removeMember(key: RoomKey, userID: string, sessionId: string): Promise<RemovalResult | null>;
  getMember(key: RoomKey, userID: string): Promise<MemberRecord | null>;
  listMembers(key: RoomKey): Promise<MemberRecord[]>;
  /** What `userID` may see: visible users and live streams of visible users, self excluded. */
  snapshotFor(key: RoomKey, userID: string): Promise<StoreSnapshot>;
  /** Becoming visible checks VISIBLE_USER_LIMIT, becoming silent SILENT_USER_LIMIT and removes the user's streams. */
  trySetVisibility(key: RoomKey, userID: string, visible: boolean, limits: RoomLimits): Promise<VisibilityResult>;
  /** Store the mute state; returns the streams whose published tracks changed. */
  setMute(key: RoomKey, userID: string, muted: { audio: boolean; video: boolean }): Promise<({ member: MemberRecord; changed: StreamRecord[] } & Versioned) | null>;
  /**
   * Publish (or re-publish) a stream: PUBLISH_NOT_ALLOWED for silent users and audience, ROOM_FULL past the
   * live scene's anchors. `live` = the stream counts as started at once (no media server to confirm it).
   */
  tryPublish(key: RoomKey, userID: string, streamType: StreamTypeWire, limits: RoomLimits, live: boolean): Promise<PublishResult>;
  /** The media server confirmed (live) or lost (pending) a push; going pending drops its subscriptions. */
  setStreamLive(
    key: RoomKey,
    userID: string,
    streamType: StreamTypeWire,
    live: boolean,
  ): Promise<({ stream: StreamRecord; changed: boolean; droppedSubscriptions: SubscriptionRecord[] } & Versioned) | null>;
  unpublish(key: RoomKey, userID: string, streamType: StreamTypeWire): Promise<({ stream: StreamRecord; droppedSubscriptions: SubscriptionRecord[] } & Versioned) | null>;
  streamsOf(key: RoomKey, userID: string): Promise<StreamRecord[]>;
  /**
   * Subscribe to a live stream of another user in this room (STREAM_NOT_FOUND otherwise), counting toward
   * SUBSCRIPTION_LIMIT; subscribing again to the same stream updates it and does not count twice.
   */
  trySubscribe(key: RoomKey, subscription: SubscriptionRecord, limits: RoomLimits): Promise<SubscribeResult>;
  unsubscribe(key: RoomKey, subscriberID: string, userID: string, streamType: StreamTypeWire): Promise<boolean>;
  subscriptionsOf(key: RoomKey, subscriberID: string): Promise<SubscriptionRecord[]>;
  getRoom(key: RoomKey): Promise<RoomState | null>;
  listRooms(): Promise<RoomSummary[]>;
  /** Remove a room and everything in it (dismiss); returns what it held. */
  deleteRoom(key: RoomKey): Promise<RoomState | null>;
  close(): Promise<void>;
}

/** Messages of the store's refusals, shared so every store implementation answers alike. */
export const LIMIT_MESSAGES = {
  roomFullRtc: (n: number) => refuse(ErrorCode.ROOM_FULL, `the room is full (scene rtc allows ${n} users)`),
  roomFullLive: (n: number) => refuse(ErrorCode.ROOM_FULL, `the room already has ${n} anchors publishing (scene live)`),
  visible: (n: number) => refuse(ErrorCode.VISIBLE_USER_LIMIT, `the room already has ${n} visible users`),
  silent: (n: number) => refuse(ErrorCode.SILENT_USER_LIMIT, `the room already has ${n} silent users`),
  subscriptions: (n: number) => refuse(ErrorCode.SUBSCRIPTION_LIMIT, `already subscribed to ${n} streams`),
  streamNotFound: (userID: string, streamType: string) => refuse(ErrorCode.STREAM_NOT_FOUND, `no stream ${userID}/${streamType} in this room`),
  silentCannotPublish: () => refuse(ErrorCode.PUBLISH_NOT_ALLOWED, 'a silent (invisible) user cannot publish'),
  audienceCannotPublish: () => refuse(ErrorCode.PUBLISH_NOT_ALLOWED, 'the audience role cannot publish'),
  notInRoom: () => refuse(ErrorCode.REQUEST_OUT_OF_STATE, 'not a member of this room'),
} as const;
