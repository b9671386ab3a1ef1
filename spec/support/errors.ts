/** The error a synchronous call throws, for specs that assert on its type and fields; fails if nothing is thrown. */
export function thrown(fn: () => unknown): unknown {
  try {
    fn();
  } catch (e) {
    return e;
  }
  throw new Error('expected a throw');
}
