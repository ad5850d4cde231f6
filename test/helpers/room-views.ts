// A raw client's view of its room (snapshot + notifications) against the server's (admin API, as snapshotFor
// computes it), seq gap counting, and bounded-concurrency helpers for thousands of clients.

import type { Notification, RoomSnapshot, StreamInfo } from '../../src/core/protocol';
import type { TestClient } from '../server/helpers/client';

export interface View {
  users: string[];
  streams: string[];
}

const streamKey = (s: { userID: string; streamType: string }) => `${s.userID}/${s.streamType}`;
const streamLabel = (s: StreamInfo) => `${streamKey(s)}:${s.audio ? 'A' : '-'}${s.video ? 'V' : '-'}`;

/** Apply notifications (in seq order, past `afterSeq`) to a snapshot: what the client now believes. */
export function viewFrom(snapshot: RoomSnapshot, notifications: readonly Notification[], afterSeq = 0): View {
  const users = new Set(snapshot.users);
  const streams = new Map(snapshot.streams.map((s) => [streamKey(s), { ...s }]));
  const ordered = [...notifications].filter((n) => n.seq > afterSeq).sort((a, b) => a.seq - b.seq);
  for (const n of ordered) {
    switch (n.type) {
      case 'user-joined':
        users.add(n.userID);
        break;
      case 'user-left':
        users.delete(n.userID);
        for (const [key, s] of streams) if (s.userID === n.userID) streams.delete(key);
        break;
      case 'stream-added':
      case 'stream-updated':
        streams.set(streamKey(n), { userID: n.userID, streamType: n.streamType, audio: n.audio, video: n.video });
        break;
      case 'stream-removed':
        streams.delete(streamKey(n));
        break;
      default:
        break;
    }
  }
  return { users: [...users].sort(), streams: [...streams.values()].map(streamLabel).sort() };
}

/** Seq numbers missing from a session's notifications (1..max): each is a lost message. */
export function seqGaps(notifications: readonly Notification[], from = 1): number {
  if (notifications.length === 0) return 0;
  const seqs = new Set(notifications.map((n) => n.seq));
  const max = Math.max(...seqs);
  let missing = 0;
  for (let s = from; s <= max; s++) if (!seqs.has(s)) missing += 1;
  return missing;
}

export interface AdminRoom {
  users: Array<{ userID: string; visible: boolean; connection: string }>;
  streams: Array<StreamInfo & { state: string }>;
  subscriptions: Array<{ subscriberID: string; userID: string; streamType: string }>;
}

/** The room as the server holds it (admin API), or null when it does not exist. */
export async function adminRoom(server: { httpUrl: string; config: { adminKey: string } }, roomKey: string): Promise<AdminRoom | null> {
  const response = await fetch(`${server.httpUrl}/admin/rooms/${encodeURIComponent(roomKey)}`, { headers: { 'x-admin-key': server.config.adminKey } });
  return response.status === 200 ? ((await response.json()) as AdminRoom) : null;
}

/** What the server says `userID` should see: visible users and live streams of visible users, itself excluded. */
export function serverViewFor(room: AdminRoom, userID: string): View {
  const visible = new Set(room.users.filter((u) => u.visible).map((u) => u.userID));
  visible.delete(userID);
  return {
    users: [...visible].sort(),
    streams: room.streams.filter((s) => s.state === 'live' && visible.has(s.userID)).map(streamLabel).sort(),
  };
}

/** Run `work` over `items` with at most `limit` at a time. */
export async function inBatches<T, R>(items: readonly T[], limit: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lanes = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await work(items[index]!, index);
    }
  });
  await Promise.all(lanes);
  return results;
}

/** Let every client receive what the server sent it so far (a ping answer travels behind it). */
export async function syncAll(clients: readonly TestClient[], limit = 200): Promise<void> {
  await inBatches(clients, limit, (c) => c.sync());
}
