/** Where clone messages go; the agent passes its own logger, tests capture lines. */
export interface CloneLogger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export const consoleLogger: CloneLogger = {
  info: (message) => console.error(`clone: ${message}`),
  warn: (message) => console.error(`clone: warning: ${message}`),
  error: (message) => console.error(`clone: error: ${message}`),
};
