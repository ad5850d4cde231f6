// Runs async work one at a time per key (a room). The store's operations are atomic one by one; this keeps a
// whole request — store change, notifications, response — in one piece, so a joiner's snapshot and the
// notifications after it never overlap or leave a gap.

export class KeyedSerialQueue {
  private readonly tails = new Map<string, Promise<void>>();

  run<T>(key: string, work: () => Promise<T>): Promise<T> {
    const previous = this.tails.get(key) ?? Promise.resolve();
    const result = previous.then(work);
    const tail = result.then(
      () => undefined,
      () => undefined,
    );
    this.tails.set(key, tail);
    void tail.then(() => {
      if (this.tails.get(key) === tail) this.tails.delete(key);
    });
    return result;
  }

  /** Keys with work queued or running (for tests of leaks). */
  get size(): number {
    return this.tails.size;
  }
}
