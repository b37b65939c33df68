// Runs one clone in its own process, so a test can kill it midway like a node losing its pod.
// Usage: node run-clone.mjs '<json RunCloneOptions without functions, plus "donors">'
import { runClone } from '../../../packages/agent/dist/clone/index.js';

const { donors, ...options } = JSON.parse(process.argv[2]);
const line = (level) => (message) => process.stdout.write(`${JSON.stringify({ level, message })}\n`);
const result = await runClone({
  ...options,
  candidates: () => donors,
  logger: { info: line('info'), warn: line('warn'), error: line('error') },
  onProgress: (progress) => process.stdout.write(`${JSON.stringify({ progress })}\n`),
});
process.stdout.write(`${JSON.stringify({ result })}\n`);
