/** Plain lines on stdout/stderr: time, pod, message. Never given a credential. */
export interface Logger {
  info(msg: string): void;
  error(msg: string): void;
}

export function consoleLogger(pod: string): Logger {
  const line = (msg: string) => `${new Date().toISOString()} ${pod} ${msg}`;
  return {
    info: (msg) => process.stdout.write(line(msg) + '\n'),
    error: (msg) => process.stderr.write(line(msg) + '\n'),
  };
}
