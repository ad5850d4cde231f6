// Random event storms through the websocket driver: generated mixes of facade calls and server moves on a scripted socket (answers and refusals, notifications in order, duplicated, replayed, for unknown users, malformed frames, UPDATE_URL, STREAM_FAILED, kicks, cuts, timeouts) with the page's invariants checked after every step against a reference of what the server announced.

import fc from 'fast-check';
import { installWx } from '../../src/testing/wx';
import { logger } from '../../src/core/log';
import { stormScale, stormSeed } from '../helpers/storm-steps';
import { printFigures } from '../helpers/figures';
import { runWebSocketStorm, websocketSteps, type WsTotals } from './websocket-storm';

describe('websocket storm', () => {
  let installed: ReturnType<typeof installWx>;
  beforeAll(() => {
    logger.setLevel(4);
    jest.useFakeTimers({ doNotFake: ['queueMicrotask', 'nextTick', 'setImmediate'] });
    installed = installWx({ platform: 'android' });
  });
  afterAll(() => {
    installed.uninstall();
    jest.useRealTimers();
  });

  test('no generated sequence of calls and server moves breaks a page invariant', async () => {
    const numRuns = Math.round(450 * stormScale());
    const seed = stormSeed(1);
    const totals: WsTotals = { runs: 0, steps: 0, inRoomSteps: 0, sockets: 0, answers: 0, notifications: 0, malformed: 0, drops: 0 };
    const started = jest.getRealSystemTime();
    let violations = 0;
    const details = await fc.check(
      fc.asyncProperty(websocketSteps, async (steps) => {
        const found = await runWebSocketStorm(installed.wx, steps, totals);
        if (found.length > 0 && violations === 0) violations = found.length;
        if (found.length > 0) throw new Error(found.slice(0, 5).join('\n'));
      }),
      { seed, numRuns },
    );
    const shrunk = details.failed && details.counterexample ? `; shrunk to ${details.counterexample[0].length} steps: ${(await runWebSocketStorm(installed.wx, details.counterexample[0]))[0]}` : '';
    printFigures('storm: websocket driver', [
      `[storm] websocket  seed ${seed}  runs ${numRuns}  steps tried ${totals.steps}  in-room steps ${totals.inRoomSteps}  sockets ${totals.sockets}  answers ${totals.answers}  notifications ${totals.notifications}  malformed frames ${totals.malformed}  cuts ${totals.drops}  violations ${violations}  (${jest.getRealSystemTime() - started} ms)${shrunk}`,
    ]);
    if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? 'the storm failed');
  }, 180_000);
});
