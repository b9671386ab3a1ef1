/**
 * The errors this implementation throws, as plain Errors. The suite judges an error by its `name` and the fields
 * the interface documents (src/impl/interface.ts), never by its class, so an implementation outside the package
 * needs nothing of ours to throw them:
 * - `ArgumentError`: a bad argument; `argument` names it (`weights[2] (dense_2/kernel)`, `x`, `batchSize`).
 * - `UnsupportedError`: something this implementation does not do (an optimizer or loss it lacks).
 */
export interface ArgumentError extends Error {
  name: 'ArgumentError';
  argument: string;
  detail: string;
}

export function argumentError(argument: string, detail: string): ArgumentError {
  return Object.assign(new Error(`${argument}: ${detail}`), { name: 'ArgumentError' as const, argument, detail });
}

export function unsupportedError(message: string): Error {
  return Object.assign(new Error(message), { name: 'UnsupportedError' });
}
