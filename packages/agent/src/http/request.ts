import http from 'node:http';

/**
 * One small request to another agent (over TCP) or to the local one (over its admin socket): resolves with
 * the status code and the whole body as text, rejects on a connection error or after timeoutMs.
 */
export function requestText(options: http.RequestOptions, timeoutMs: number): Promise<{ code: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = http.request({ ...options, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => resolve({ code: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    req.end();
  });
}
