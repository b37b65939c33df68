import { badRequest } from './status.js';

type Requirement = (labels: Record<string, string>) => boolean;

/**
 * Parses a label selector (`a=b`, `a==b`, `a!=b`, `a`, `!a`, `a in (x,y)`, `a notin (x,y)`, comma-separated)
 * into a predicate over an object's labels, rejecting what the API server would reject.
 */
export function parseLabelSelector(selector: string): Requirement {
  const requirements: Requirement[] = [];
  const parts = selector.match(/[^,(]+(\([^)]*\))?/g) ?? [];
  for (const raw of parts.map((part) => part.trim()).filter(Boolean)) {
    let match: RegExpExecArray | null;
    if ((match = /^([\w./-]+)\s*(==|=|!=)\s*([\w.-]*)$/.exec(raw))) {
      const [, key, op, value] = match as unknown as [string, string, string, string];
      requirements.push(op === '!=' ? (l) => l[key] !== value : (l) => l[key] === value);
    } else if ((match = /^([\w./-]+)\s+(in|notin)\s+\(([^)]*)\)$/.exec(raw))) {
      const [, key, op, list] = match as unknown as [string, string, string, string];
      const values = new Set(list.split(',').map((v) => v.trim()));
      requirements.push(op === 'in' ? (l) => l[key] !== undefined && values.has(l[key]!) : (l) => l[key] === undefined || !values.has(l[key]!));
    } else if ((match = /^!([\w./-]+)$/.exec(raw))) {
      const key = match[1]!;
      requirements.push((l) => !(key in l));
    } else if ((match = /^([\w./-]+)$/.exec(raw))) {
      const key = match[1]!;
      requirements.push((l) => key in l);
    } else {
      throw badRequest(`unable to parse requirement: ${raw}`);
    }
  }
  return (labels) => requirements.every((requirement) => requirement(labels));
}
