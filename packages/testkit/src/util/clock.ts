/** Wall-clock milliseconds with sub-millisecond resolution, comparable across every recorder in the harness. */
export function now(): number {
  return performance.timeOrigin + performance.now();
}
