// WeChat's setData semantics for a page's data: keys are paths ('pusher.url', 'playerList[2].volume'),
// each sets exactly that place, creating objects and arrays on the way. Used by the headless Page host.

type Container = Record<string, unknown> | unknown[];

/** 'playerList[2].volume' -> ['playerList', 2, 'volume']. */
export function parseDataPath(path: string): Array<string | number> {
  const parts: Array<string | number> = [];
  const pattern = /([^.[\]]+)|\[(\d+)\]/g;
  let match: RegExpExecArray | null;
  while ((match = pattern.exec(path)) !== null) {
    if (match[1] !== undefined) parts.push(match[1]);
    else parts.push(Number(match[2]));
  }
  return parts;
}

function clone<T>(value: T): T {
  // setData copies what crosses from the logic layer to the view: later edits of the argument do not leak in.
  return value === undefined ? value : (JSON.parse(JSON.stringify(value)) as T);
}

/** Apply a setData patch to page data as WeChat does: data-path keys (`a.b[2].c`), values copied as JSON. */
export function applySetData(data: Record<string, unknown>, patch: Record<string, unknown>): void {
  for (const [path, value] of Object.entries(patch)) {
    const parts = parseDataPath(path);
    if (parts.length === 0) continue;
    let node: Container = data;
    for (let i = 0; i < parts.length - 1; i++) {
      const key = parts[i]!;
      const nextKey = parts[i + 1]!;
      const current = (node as Record<string | number, unknown>)[key];
      if (typeof current !== 'object' || current === null) {
        (node as Record<string | number, unknown>)[key] = typeof nextKey === 'number' ? [] : {};
      }
      node = (node as Record<string | number, unknown>)[key] as Container;
    }
    (node as Record<string | number, unknown>)[parts[parts.length - 1]!] = clone(value);
  }
}
