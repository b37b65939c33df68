export const CLONE_HELP = `agent clone

Fills an empty datadir with a hot backup streamed from a peer's clone donor.`;

export async function clone(_argv: string[]): Promise<number> {
  // Exits 0 so the pod's init sequence goes on; `agent init` already bootstrapped the datadir.
  process.stdout.write('agent clone: not available in this build\n');
  return 0;
}
