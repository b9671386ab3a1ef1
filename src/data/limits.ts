/**
 * Upper bound on any one decoded array or decompressed stream (256 MiB, five times MNIST's largest
 * array of 47 MB): a hostile header or a zip bomb fails fast with a DataFormatError instead of
 * exhausting memory.
 */
export const MAX_DECODED_BYTES = 256 * 2 ** 20;
