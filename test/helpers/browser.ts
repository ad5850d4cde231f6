// Debian's chromium for the browser tests, and the one way they skip: only when it is missing AND
// WXRTC_SKIP_BROWSER=1 says so AND this is not CI. Otherwise a missing chromium fails the suite, loudly.

import { existsSync } from 'node:fs';

export const CHROMIUM = '/usr/bin/chromium';

/** The flags every browser test launches chromium with: headless, no sandbox (containers), nothing phoning home. */
export const CHROMIUM_ARGS = ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-sync'];

export const SKIP_BROWSER = !existsSync(CHROMIUM) && process.env.WXRTC_SKIP_BROWSER === '1' && !process.env.CI;

/**
 * jest's test and hooks for a browser suite: the real ones, or (SKIP_BROWSER) skipped tests and hooks that do
 * nothing, so the suite shows as skipped in jest's summary and the skips reporter instead of failing.
 */
export function browserSuite(): { test: jest.It; beforeAll: jest.Lifecycle; afterAll: jest.Lifecycle } {
  if (!SKIP_BROWSER) return { test, beforeAll, afterAll };
  const nothing: jest.Lifecycle = () => undefined;
  return { test: test.skip, beforeAll: nothing, afterAll: nothing };
}
