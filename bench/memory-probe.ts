// Benchmark 4's measuring side, run in a fresh `node --expose-gc` process per sample so heaps do not mix:
// `players <sdk> <n>` heap per remote user with its player (`players-bound`: ours with bindPage on);
// `room <sdk>` heap of a room with 8 visible users. Prints one JSON line.

import { installWx } from '../src/testing/wx';
import { leanPage } from './lib/pages';
import { loadSdk, ROOM_PARAMS, type FacadeLike, type SdkName } from './lib/sdk';
import { pusherEvent, status } from '../test/helpers/status';

const collect = (globalThis as { gc?: () => void }).gc;

function heap(): number {
  if (!collect) throw new Error('run with node --expose-gc');
  for (let i = 0; i < 4; i++) collect();
  return process.memoryUsage().heapUsed;
}

function announce(sdk: FacadeLike, users: number, prefix = 'user'): void {
  for (let i = 0; i < users; i++) {
    const user = `${prefix}${String(i).padStart(5, '0')}`;
    sdk.pusherEventHandler(pusherEvent(status.joined(user)));
    sdk.pusherEventHandler(pusherEvent(status.video(user, true)));
    sdk.pusherEventHandler(pusherEvent(status.audio(user, true)));
  }
}

function room(Sdk: new (page: object, options: object) => FacadeLike, bound: boolean): FacadeLike {
  // Nothing listens to events: neither SDK builds event data for a page here.
  const sdk = new Sdk(leanPage(), { env: 'test' });
  if (bound) sdk.bindPage!();
  sdk.createPusher({});
  sdk.enterRoom(ROOM_PARAMS);
  sdk.pusherEventHandler(pusherEvent(status.entered()));
  return sdk;
}

async function main(): Promise<Record<string, number>> {
  const [probe, name, count] = process.argv.slice(2) as [string, SdkName, string | undefined];
  const Sdk = loadSdk(name);
  const { wx } = installWx();
  // The headless wx logs every context call; that log is the test rig's, not the SDK's.
  const forgetRigLog = () => void (wx.calls.length = 0);

  if (probe === 'players' || probe === 'players-bound') {
    const n = Number(count ?? 2000);
    const sdk = room(Sdk, probe === 'players-bound');
    announce(sdk, 1, 'warm');
    await Promise.resolve();
    forgetRigLog();
    const before = heap();
    announce(sdk, n);
    // The binding's copies are made at the end of the tick.
    await Promise.resolve();
    forgetRigLog();
    const after = heap();
    if (sdk.getPlayerList().length !== n + 1) throw new Error(`expected ${n + 1} players, got ${sdk.getPlayerList().length}`);
    return { perPlayerBytes: (after - before) / n, n };
  }
  if (probe === 'room') {
    // "2000 silent + 8 visible": the server never announces silent users to a mini-program (trtc-room sends
    // 1031/1033/1034 for visible users only), so on the phone the room is 8 remote users and their players.
    // A first room pays one-time costs (lazily compiled code, module caches) that are not the room's.
    const warm = room(Sdk, false);
    announce(warm, 8);
    warm.exitRoom();
    warm.destroy?.();
    forgetRigLog();
    // One room is ~100 KB, within the GC's own noise: measure many and divide.
    const rooms = Number(count ?? 50);
    const before = heap();
    const kept: FacadeLike[] = [];
    for (let i = 0; i < rooms; i++) {
      const sdk = room(Sdk, false);
      announce(sdk, 8);
      kept.push(sdk);
    }
    forgetRigLog();
    const after = heap();
    if (kept.some((sdk) => sdk.getPlayerList().length !== 8)) throw new Error('expected 8 players per room');
    return { roomBytes: (after - before) / rooms, rooms };
  }
  throw new Error(`unknown probe ${probe}`);
}

main().then(
  (result) => process.stdout.write(`${JSON.stringify(result)}\n`),
  (error: unknown) => {
    process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
