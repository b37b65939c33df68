import { join } from 'node:path';
import { requestText } from '../http/request.js';

/** One call to the local agent's admin socket (runDir/agent.sock); a JSON body is parsed. */
export async function adminCall(runDir: string, method: 'GET' | 'POST', path: string, timeoutMs: number): Promise<{ code: number; body: unknown }> {
  const socketPath = join(runDir, 'agent.sock');
  let answer: { code: number; body: string };
  try {
    answer = await requestText({ socketPath, method, path }, timeoutMs);
  } catch (err) {
    const e = err as Error;
    if (e.name === 'TimeoutError' || e.name === 'AbortError') throw new Error(`no answer from ${socketPath} within ${timeoutMs} ms`);
    throw new Error(`cannot reach the agent at ${socketPath}: ${e.message}`);
  }
  try {
    return { code: answer.code, body: JSON.parse(answer.body) };
  } catch {
    return answer;
  }
}
