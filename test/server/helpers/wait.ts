// Waiting for a condition on the server (seen only through its admin API) without sleeping a fixed time:
// poll until true, and fail after a bound.

export async function eventually<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 3_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms: ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}
