// Page hosts for the benchmarks. CPU runs use a lean page that pays what WeChat's logic layer pays per
// setData (serialize once, write the paths into this.data); traffic runs use the project's headless Page
// host, which records every call with its byte size.

import { parseDataPath } from '../../src/testing/set-data';
import type { PageLike } from './sdk';

export interface LeanPage extends PageLike {
  calls: number;
  bytes: number;
}

/**
 * One JSON.stringify per call (the logic layer must serialize to send to the view thread) and a by-reference
 * write of each path. The view thread's parse and render are not counted: they would only widen the gap.
 */
export function leanPage(initial: Record<string, unknown> = { pusher: {}, playerList: [] }): LeanPage {
  const page: LeanPage = {
    data: JSON.parse(JSON.stringify(initial)) as Record<string, unknown>,
    calls: 0,
    bytes: 0,
    setData(patch) {
      const json = JSON.stringify(patch);
      page.calls++;
      page.bytes += json.length;
      for (const [path, value] of Object.entries(patch)) writePath(page.data, path, value);
    },
  };
  return page;
}

function writePath(data: Record<string, unknown>, path: string, value: unknown): void {
  const parts = parseDataPath(path);
  let node = data as Record<string | number, unknown>;
  for (let i = 0; i < parts.length - 1; i++) {
    const key = parts[i]!;
    if (typeof node[key] !== 'object' || node[key] === null) node[key] = typeof parts[i + 1] === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  }
  node[parts[parts.length - 1]!] = value;
}
