// A client that stops reading must not make the server buffer without bound: past maxBufferedBytes of unsent
// data its socket is cut (and its session, like any dropped one, waits for a resume). Driven with a stub
// socket, since loopback kernel buffers would swallow megabytes before ws ever buffered anything.

import { EventEmitter } from 'node:events';
import type WebSocket from 'ws';
import { defaultConfig, resolveConfig } from '../../server/config';
import { createLogger } from '../../server/log';
import type { RoomService } from '../../server/rooms';
import { Connection } from '../../server/signaling';

class StubSocket extends EventEmitter {
  readyState = 1; // OPEN
  bufferedAmount = 0;
  sent: string[] = [];
  terminated = false;
  send(text: string): void {
    this.sent.push(text);
  }
  terminate(): void {
    this.terminated = true;
    this.readyState = 3;
  }
  close(): void {
    this.readyState = 2;
  }
}

test('a socket with too much unsent data is terminated instead of buffering more', () => {
  const config = resolveConfig({ maxBufferedBytes: 1024 }, defaultConfig());
  const stub = new StubSocket();
  const rooms = { connectionClosed: () => undefined } as unknown as RoomService;
  const conn = new Connection(1, stub as unknown as WebSocket, { config, rooms, log: createLogger('silent') });
  try {
    conn.send('first');
    stub.bufferedAmount = 1024;
    conn.send('at the bound');
    expect(stub.sent).toEqual(['first', 'at the bound']);
    stub.bufferedAmount = 1025;
    conn.send('past the bound');
    expect(stub.sent).toEqual(['first', 'at the bound']);
    expect(stub.terminated).toBe(true);
    // Nothing more is written to a terminated socket.
    conn.send('later');
    expect(stub.sent).toHaveLength(2);
  } finally {
    conn.onClosed();
  }
});
