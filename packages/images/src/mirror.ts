import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

export interface AptSource {
  uris: string[];
  suites: string[];
  text: string;
}

/** The deb822 paragraphs of the host's `/etc/apt/sources.list.d/*.sources`. */
export async function hostAptSources(dir = '/etc/apt/sources.list.d'): Promise<AptSource[]> {
  let names: string[];
  try {
    names = (await readdir(dir)).filter((name) => name.endsWith('.sources')).sort();
  } catch {
    return [];
  }
  const sources: AptSource[] = [];
  for (const name of names) {
    for (const paragraph of (await readFile(join(dir, name), 'utf8')).split(/\n\s*\n/)) {
      const field = (key: string): string[] =>
        new RegExp(`^${key}:\\s*(.*)$`, 'mi').exec(paragraph)?.[1]?.trim().split(/\s+/) ?? [];
      if (field('Types').includes('deb')) sources.push({ uris: field('URIs'), suites: field('Suites'), text: paragraph.trim() });
    }
  }
  return sources;
}

/**
 * The Debian mirror to bootstrap bookworm from, read from the machine at run time so no mirror
 * host is ever written in the repository. MYSQLHA_DEBIAN_MIRROR overrides it (hosts that are not
 * Debian bookworm).
 */
export function debianMirror(sources: AptSource[], override = process.env.MYSQLHA_DEBIAN_MIRROR): string {
  if (override) return override;
  const uri = sources.find((s) => s.suites.includes('bookworm'))?.uris[0];
  if (!uri) {
    throw new Error(
      'no Debian bookworm mirror in /etc/apt/sources.list.d/*.sources (a paragraph with "Suites: bookworm" and a "URIs:" line); ' +
        'set MYSQLHA_DEBIAN_MIRROR to a Debian mirror URL',
    );
  }
  return uri;
}

/** The image's apt sources: the host's bookworm paragraphs (main, updates, security), so it gets the same package versions. */
export function imageAptSources(sources: AptSource[], mirror: string): string {
  const bookworm = sources.filter((s) => s.suites.some((suite) => /^bookworm(-|$)/.test(suite)));
  if (bookworm.length > 0) return `${bookworm.map((s) => s.text).join('\n\n')}\n`;
  return `Types: deb\nURIs: ${mirror}\nSuites: bookworm bookworm-updates\nComponents: main\nSigned-By: /usr/share/keyrings/debian-archive-keyring.gpg\n`;
}
