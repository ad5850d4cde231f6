// The admin REST API, key-protected (header x-admin-key): list and inspect rooms, remove a user (kicked
// {reason:'banned'}), dismiss a room (kicked {reason:'room-disband'}), restart the media plane. Routes are
// pure functions of (method, path segments, key) -> (status, JSON), so http.ts only does the transport.
//
//   GET  /admin/rooms                                  -> { rooms: RoomSummary[] }
//   GET  /admin/rooms/:roomKey                         -> room detail (users, visibility, streams, subscriptions)
//   POST /admin/rooms/:roomKey/users/:userID/remove    -> { removed: true, roomKey, userID }
//   POST /admin/rooms/:roomKey/users/remove?userID=:id  -> the same, for ids no url path can carry ("." and "..":
//                                                         every WHATWG url client resolves them, %2E too)
//   POST /admin/rooms/:roomKey/dismiss                 -> { dismissed: true, roomKey, users }
//   POST /admin/media/restart                          -> { generation }   (every url changes: url-updated)
//   GET  /admin/webhooks                               -> webhook queue stats
//   GET  /admin/stats                                  -> StatsIndexResult: who has quality series, totals, limits
//   GET  /admin/rooms/:roomKey/stats                   -> RoomStatsResult: per participant and stream, the samples
//                                                         (bitrate, fps, resolution, jitter, quality ...) oldest first
// :roomKey is 'n:<roomID>' or 's:<strRoomID>', percent-encoded as one segment (encodeURIComponent).
// Errors: { error: { code, message } } with 401 ADMIN_UNAUTHORIZED, 404 NOT_FOUND (no such room or user),
// 404 ROUTE_NOT_FOUND (no such route), 400 BAD_REQUEST.

import { createHash, timingSafeEqual } from 'node:crypto';
import { ErrorCode } from '../src/core/errors';
import { USER_ID_RULE, isUserID } from '../src/core/protocol';
import type { MediaPlane } from './media-plane';
import type { RoomService } from './rooms';
import { parseRoomKey, type RoomStore } from './store/room-store';
import type { WebhookQueue } from './webhooks';
import type { StatsStore } from './stats';

export const ADMIN_KEY_HEADER = 'x-admin-key';

export interface AdminContext {
  adminKey: string;
  rooms: RoomService;
  store: RoomStore;
  media: MediaPlane;
  webhooks: WebhookQueue;
  /** Stream quality series; absent = the stats routes answer empty. */
  stats?: StatsStore;
}

export interface HttpResult {
  status: number;
  body: unknown;
}

export const httpError = (status: number, code: number, message: string): HttpResult => ({ status, body: { error: { code, message } } });

/** Compare digests so neither the key's content nor its length leaks through timing. */
export function keyMatches(given: string | undefined, expected: string): boolean {
  if (typeof given !== 'string' || given.length === 0) return false;
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** `segments` is the path after /admin, split on '/' and percent-decoded. */
export async function handleAdmin(
  ctx: AdminContext,
  method: string,
  segments: readonly string[],
  key: string | undefined,
  query: ReadonlyMap<string, string> = new Map(),
): Promise<HttpResult> {
  if (!keyMatches(key, ctx.adminKey)) return httpError(401, ErrorCode.ADMIN_UNAUTHORIZED, `missing or wrong ${ADMIN_KEY_HEADER} header`);
  const [first, roomKeyText, third, userID, fifth, ...rest] = segments;

  if (first === 'rooms' && roomKeyText === undefined) {
    if (method !== 'GET') return methodNotAllowed(method);
    return { status: 200, body: { rooms: await ctx.store.listRooms() } };
  }
  if (first === 'media' && roomKeyText === 'restart' && third === undefined) {
    if (method !== 'POST') return methodNotAllowed(method);
    return { status: 200, body: { generation: await ctx.media.restart() } };
  }
  if (first === 'webhooks' && roomKeyText === undefined) {
    if (method !== 'GET') return methodNotAllowed(method);
    return { status: 200, body: { enabled: ctx.webhooks.enabled, ...ctx.webhooks.stats() } };
  }
  if (first === 'stats' && roomKeyText === undefined) {
    if (method !== 'GET') return methodNotAllowed(method);
    return { status: 200, body: ctx.stats?.index() ?? { participants: [], totals: { participants: 0, samples: 0, dropped: 0, evicted: 0 }, limits: null } };
  }
  if (first !== 'rooms' || roomKeyText === undefined || rest.length > 0) return notFound();

  const room = parseRoomKey(roomKeyText);
  if (!room) {
    return httpError(400, ErrorCode.BAD_REQUEST, `room key must be n:<roomID> or s:<strRoomID>, percent-encoded (got ${JSON.stringify(roomKeyText)})`);
  }
  if (third === undefined) {
    if (method !== 'GET') return methodNotAllowed(method);
    const detail = await ctx.rooms.describeRoom(room.key);
    return detail ? { status: 200, body: detail } : httpError(404, ErrorCode.NOT_FOUND, `no room ${room.key}`);
  }
  if (third === 'stats' && userID === undefined) {
    if (method !== 'GET') return methodNotAllowed(method);
    // Series outlive their room (retention): an ended room still answers, with what is kept of it.
    return { status: 200, body: ctx.stats?.room(room.key) ?? { roomKey: room.key, participants: [] } };
  }
  if (third === 'dismiss' && userID === undefined) {
    if (method !== 'POST') return methodNotAllowed(method);
    const users = await ctx.rooms.dismiss(room.key);
    return users === null ? httpError(404, ErrorCode.NOT_FOUND, `no room ${room.key}`) : { status: 200, body: { dismissed: true, roomKey: room.key, users } };
  }
  if (third === 'users' && userID === 'remove' && fifth === undefined && query.has('userID')) {
    return handleAdmin(ctx, method, [first, roomKeyText, third, query.get('userID')!, 'remove'], key);
  }
  if (third === 'users' && userID !== undefined && fifth === 'remove') {
    if (method !== 'POST') return methodNotAllowed(method);
    if (!isUserID(userID)) return httpError(400, ErrorCode.BAD_REQUEST, `userID must be ${USER_ID_RULE}, percent-encoded as one segment`);
    const removed = await ctx.rooms.removeUser(room.key, userID);
    return removed ? { status: 200, body: { removed: true, roomKey: room.key, userID } } : httpError(404, ErrorCode.NOT_FOUND, `no user ${userID} in room ${room.key}`);
  }
  return notFound();
}

function notFound(): HttpResult {
  return httpError(404, ErrorCode.ROUTE_NOT_FOUND, 'no such admin route');
}

function methodNotAllowed(method: string): HttpResult {
  return httpError(405, ErrorCode.BAD_REQUEST, `method ${method} is not allowed here`);
}
