/**
 * onnxruntime-node 1.29+ ships Microsoft's 1DS telemetry on Linux and macOS: on its first session it writes a
 * device id and an event database under ~/.cache/Microsoft/DeveloperTools/.onnxruntime, a `mat-debug-<pid>.log`
 * and a `.ses` file into the temp directory (left there for good), and queues events for upload. A command
 * that writes only where its user said must not do that, so it is switched off here, before any session
 * exists, unless the user set the variable themselves. `ORT_DISABLE_TELEMETRY=1` is the opt-out that stops all
 * of it in 1.30 (measured with strace: no file, no database); `ORT_TELEMETRY_DISABLED` still writes both files.
 *
 * Import this module first in every module that imports onnxruntime-node (ESM evaluates imports in order).
 */
process.env.ORT_DISABLE_TELEMETRY ??= '1';
export {};
