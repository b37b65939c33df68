import { connect } from 'node:net';

/** How a TCP connect to host:port ended: accepted, refused (or any other error), or no answer in time. */
export function tcpConnect(host: string, port: number, timeoutMs: number): Promise<'open' | 'refused' | 'timeout'> {
  return new Promise((resolve) => {
    const socket = connect({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve('open');
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve('timeout');
    });
    socket.once('error', () => resolve('refused'));
  });
}

/** True when nothing accepts connections on 127.0.0.1:port (no answer counts as taken). */
export async function portIsFree(port: number): Promise<boolean> {
  return (await tcpConnect('127.0.0.1', port, 500)) === 'refused';
}
