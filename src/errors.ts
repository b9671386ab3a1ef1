/**
 * Typed errors. Every error a user can cause names what was wrong: the file and field for bad data,
 * the argument for bad usage, the layer for an unsupported model. Nothing else should escape to a user.
 */
export class MnistSpecError extends Error {
  override name = 'MnistSpecError';
}

/** Bytes that do not decode: names the file and the field (e.g. "magic", "dims[0]", "zip: central directory"). */
export class DataFormatError extends MnistSpecError {
  override name = 'DataFormatError';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly detail: string,
  ) {
    super(`${file}: ${field}: ${detail}`);
  }
}

/** A file whose sha256 is not the one it must have. */
export class ChecksumError extends MnistSpecError {
  override name = 'ChecksumError';
  constructor(
    readonly file: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${file}: sha256 ${actual} does not match the expected ${expected}`);
  }
}

/** A bad argument to a function or a CLI flag: names the argument. */
export class ArgumentError extends MnistSpecError {
  override name = 'ArgumentError';
  constructor(
    readonly argument: string,
    readonly detail: string,
  ) {
    super(`${argument}: ${detail}`);
  }
}

/** An implementation asked to do something it did not declare it can do, or a model feature it lacks. */
export class UnsupportedError extends MnistSpecError {
  override name = 'UnsupportedError';
}
