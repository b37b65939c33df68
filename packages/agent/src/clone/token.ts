import { createHash, timingSafeEqual } from 'node:crypto';
import { readFile } from 'node:fs/promises';

/** Reads the clone token from its file; a missing or empty file is a configuration error. */
export async function readToken(tokenFile: string): Promise<string> {
  let text: string;
  try {
    text = await readFile(tokenFile, 'utf8');
  } catch (error) {
    throw new Error(`clone token file ${tokenFile}: cannot read it (${(error as NodeJS.ErrnoException).code ?? error})`);
  }
  const token = text.trim();
  if (token === '') throw new Error(`clone token file ${tokenFile}: it is empty, expected the clone-token secret`);
  return token;
}

/**
 * Compares a request's Authorization header with the expected bearer token in constant time.
 * Both sides are hashed first so that neither the comparison nor an early length check reveals
 * how much of the token was right.
 */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const presented = header?.startsWith('Bearer ') ? header.slice('Bearer '.length) : '';
  const a = createHash('sha256').update(presented).digest();
  const b = createHash('sha256').update(token).digest();
  return timingSafeEqual(a, b) && presented.length > 0;
}
