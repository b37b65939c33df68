import { request } from 'node:http';
import { join } from 'node:path';

/** One call to the local agent's admin socket (runDir/agent.sock). */
export function adminCall(runDir: string, method: 'GET' | 'POST', path: string, timeoutMs: number): Promise<{ code: number; body: unknown }> {
  const socketPath = join(runDir, 'agent.sock');
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, timeout: timeoutMs }, (res) => {
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (text += c));
      res.on('end', () => {
        try {
          resolve({ code: res.statusCode ?? 0, body: JSON.parse(text) });
        } catch {
          resolve({ code: res.statusCode ?? 0, body: text });
        }
      });
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${socketPath} within ${timeoutMs} ms`)));
    req.on('error', (err) => reject(new Error(`cannot reach the agent at ${socketPath}: ${err.message}`)));
    req.end();
  });
}
