/**
 * The tails of the agents' logs and the servers' error logs, one block each, for printing when a test fails
 * (e.g. `beforeEach(({ onTestFailed }) => onTestFailed(() => console.error(logTails({ agents, servers }))))`).
 */
export function logTails(sources: { agents?: { name: string; logTail(lines?: number): string }[]; servers?: { name: string; errorLogTail(lines?: number): string }[] }, lines = 60): string {
  const blocks = [
    ...(sources.agents ?? []).map((agent) => `----- agent ${agent.name} -----\n${agent.logTail(lines)}`),
    ...(sources.servers ?? []).map((server) => `----- mariadbd ${server.name} -----\n${server.errorLogTail(lines)}`),
  ];
  return blocks.join('\n');
}
