// Preloaded into a spawned CLI (`node --import rss-probe.mjs dist/cli/main.js …`): on exit, however the
// process ends (a normal end, process.exit, a signal handler's exit), write its peak resident set size in
// bytes to the file named by MNIST_SPEC_RSS_FILE. The robustness suite holds every run to a stated cap.
import { writeFileSync } from 'node:fs';
import process from 'node:process';

const file = process.env.MNIST_SPEC_RSS_FILE;
if (file) process.on('exit', () => writeFileSync(file, String(process.resourceUsage().maxRSS * 1024)));
