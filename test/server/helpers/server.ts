// Starting a dev server for a test suite and entering rooms with raw clients: ephemeral port on loopback,
// quiet logs, and everything a suite opened closed again in one call.

import { startDevServer, type DevServer, type DevServerOptions } from '../../../server/index';
import type { JoinRequest, JoinResult } from '../../../src/core/protocol';
import { TestClient } from './client';

export type RoomRef = { roomID: number } | { strRoomID: string };

export interface Harness {
  server: DevServer;
  connect(label?: string): Promise<TestClient>;
  /** Connect and join; the join must succeed. */
  join(userID: string, room: RoomRef, extra?: Partial<JoinRequest>): Promise<{ client: TestClient; result: JoinResult }>;
  joinRequest(userID: string, room: RoomRef, extra?: Partial<JoinRequest>): JoinRequest;
  admin(method: 'GET' | 'POST', path: string, key?: string | null): Promise<{ status: number; body: any }>;
  /** Close every client of this harness (not the server). */
  closeClients(): Promise<void>;
  close(): Promise<void>;
}

export async function startHarness(options: DevServerOptions = {}): Promise<Harness> {
  const server = await startDevServer({ host: '127.0.0.1', port: 0, logLevel: 'silent', ...options });
  const clients = new Set<TestClient>();

  const joinRequest = (userID: string, room: RoomRef, extra: Partial<JoinRequest> = {}): JoinRequest => ({
    type: 'join',
    sdkAppID: server.sdkAppID,
    userID,
    userSig: server.genUserSig(userID),
    ...room,
    scene: 'rtc',
    role: 'anchor',
    visible: true,
    ...extra,
  });

  const harness: Harness = {
    server,
    async connect(label = 'client') {
      const client = await TestClient.connect(server.wsUrl, label);
      clients.add(client);
      return client;
    },
    async join(userID, room, extra) {
      const client = await harness.connect(userID);
      const result = await client.ok<'join'>(joinRequest(userID, room, extra));
      return { client, result };
    },
    joinRequest,
    async admin(method, path, key = server.config.adminKey) {
      const response = await fetch(`${server.httpUrl}${path}`, { method, headers: key === null ? {} : { 'x-admin-key': key } });
      return { status: response.status, body: await response.json() };
    },
    async closeClients() {
      await Promise.all([...clients].map((c) => c.close()));
      clients.clear();
    },
    async close() {
      await harness.closeClients();
      await server.close();
    },
  };
  return harness;
}
