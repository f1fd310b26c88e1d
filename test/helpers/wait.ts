/** Waiting for a condition, never for a time: polls until `cond` holds or the generous bound passes. */
export async function until(cond: () => boolean, ms = 30_000, every = 50): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, every));
  }
  return cond();
}
