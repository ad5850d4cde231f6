// Random event storms through the trtc-room driver: generated mixes of facade calls and <live-pusher> status codes (1018-1034, errors, kicks; duplicated, out of order, for unknown users, malformed) on a headless page, with the page's invariants checked after every step against an independent reference of the announced streams.

import fc from 'fast-check';
import { installWx } from '../../src/testing/wx';
import { logger } from '../../src/core/log';
import { stormScale, stormSeed } from '../helpers/storm-steps';
import { printFigures } from '../helpers/figures';
import { runTrtcRoomStorm, trtcRoomStep, type StormTotals } from './trtc-room-storm';

describe('trtc-room storm', () => {
  let installed: ReturnType<typeof installWx>;
  beforeAll(() => {
    logger.setLevel(4);
    installed = installWx();
  });
  afterAll(() => installed.uninstall());

  test('no generated sequence of calls and statuses breaks a page invariant', () => {
    // ~105,000 steps: the CI budget of 100,000 is met by this storm alone, whatever the other one does.
    const numRuns = Math.round(1500 * stormScale());
    const seed = stormSeed(0);
    const totals: StormTotals = { runs: 0, steps: 0, events: 0, inRoomSteps: 0, maxStreams: 0 };
    const started = Date.now();
    let violations = 0;
    const details = fc.check(
      fc.property(fc.array(trtcRoomStep, { minLength: 1, maxLength: 150, size: 'max' }), (steps) => {
        const found = runTrtcRoomStorm(installed.wx, steps, totals);
        if (found.length > 0 && violations === 0) violations = found.length;
        if (found.length > 0) throw new Error(found.slice(0, 5).join('\n'));
      }),
      { seed, numRuns },
    );
    const shrunk = details.failed && details.counterexample ? `; shrunk to ${details.counterexample[0].length} steps: ${runTrtcRoomStorm(installed.wx, details.counterexample[0])[0]}` : '';
    printFigures('storm: trtc-room driver', [
      `[storm] trtc-room  seed ${seed}  runs ${numRuns}  steps tried ${totals.steps}  events seen ${totals.events}  in-room steps ${totals.inRoomSteps}  max streams ${totals.maxStreams}  violations ${violations}  (${Date.now() - started} ms)${shrunk}`,
    ]);
    if (details.failed) throw new Error(fc.defaultReportMessage(details) ?? 'the storm failed');
  }, 120_000);
});
