import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianMirror, hostAptSources, imageAptSources } from '../src/index.js';

const SOURCES = `Types: deb
URIs: http://mirror.invalid/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.invalid/debian-security
Suites: bookworm-security
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
`;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'mysqlha-sources-'));
  await writeFile(join(dir, 'debian.sources'), SOURCES);
  await writeFile(join(dir, 'other.list'), 'deb http://ignored.invalid/ bookworm main\n');
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('Debian mirror from the host apt sources', () => {
  it('takes the bookworm paragraph URI and gives the image main, updates and security', async () => {
    const sources = await hostAptSources(dir);
    expect(debianMirror(sources, undefined)).toBe('http://mirror.invalid/debian');
    const text = imageAptSources(sources, 'unused');
    expect(text).toContain('Suites: bookworm bookworm-updates');
    expect(text).toContain('Suites: bookworm-security');
  });

  it('lets MYSQLHA_DEBIAN_MIRROR override it', async () => {
    expect(debianMirror(await hostAptSources(dir), 'http://override.invalid/debian')).toBe('http://override.invalid/debian');
  });

  it('says what is missing when no bookworm source exists', async () => {
    expect(() => debianMirror([], undefined)).toThrow(/no Debian bookworm mirror .*MYSQLHA_DEBIAN_MIRROR/);
  });
});
