export type MyCnfValue = string | number | boolean;
/** my.cnf overrides: a value replaces or adds the option, null removes it. */
export type MyCnfSettings = Record<string, MyCnfValue | null>;

const SERVER_GROUPS = new Set(['mysqld', 'mariadbd', 'server', 'mariadb']);

function normalize(option: string): string {
  return option.trim().replaceAll('-', '_');
}

function render(value: MyCnfValue): string {
  if (typeof value === 'boolean') return value ? 'ON' : 'OFF';
  return String(value);
}

/**
 * Applies `settings` to a my.cnf text: an option already present (in any group, `-` and `_` alike) gets the
 * new value where it stands, the others are appended to the last server group. Comments and order are kept,
 * so the result still reads like the cluster's own my.cnf with per-host paths swapped in.
 */
export function applyMyCnfSettings(base: string, settings: MyCnfSettings): string {
  const pending = new Map(Object.entries(settings).map(([key, value]) => [normalize(key), value]));
  const seen = new Set<string>();
  const lines: string[] = [];
  let lastServerLine = -1;
  let inServerGroup = false;
  for (const line of base.replace(/\n$/, '').split('\n')) {
    const group = /^\s*\[([^\]]+)\]/.exec(line);
    if (group) {
      inServerGroup = SERVER_GROUPS.has(group[1]!.trim());
      lines.push(line);
      if (inServerGroup) lastServerLine = lines.length - 1;
      continue;
    }
    const option = /^\s*([A-Za-z0-9_.-]+)\s*(=.*)?$/.exec(line);
    const key = option ? normalize(option[1]!) : undefined;
    if (key !== undefined && pending.has(key)) {
      seen.add(key);
      const value = pending.get(key);
      if (value !== null && value !== undefined) lines.push(`${option![1]} = ${render(value)}`);
    } else {
      lines.push(line);
    }
    if (inServerGroup) lastServerLine = lines.length - 1;
  }
  const added = [...pending]
    .filter(([key, value]) => !seen.has(key) && value !== null && value !== undefined)
    .map(([key, value]) => `${key} = ${render(value as MyCnfValue)}`);
  if (added.length > 0) {
    if (lastServerLine < 0) lines.push('[mysqld]', ...added);
    else lines.splice(lastServerLine + 1, 0, ...added);
  }
  return `${lines.join('\n')}\n`;
}
