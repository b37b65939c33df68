import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { go, moduleDir, moduleGoMod } from './go.js';
import { BINARIES, BINARY_NAMES, renderGoMod, requiredVersions, type BinaryName } from './go-mod.js';
import { binaryPath } from './locate.js';
import { toolsDir } from './paths.js';
import { loadVersions, majorMinor, type Versions } from './versions.js';

export interface BuildOptions {
  /** Rewrite tools/go.mod and go.sum from versions.json instead of refusing when they disagree. */
  readonly update?: boolean;
  readonly onProgress?: (line: string) => void;
}

export interface BuildResult {
  readonly binaries: readonly { name: BinaryName; path: string; built: boolean; seconds: number }[];
  readonly crdModules: number;
}

/** The version each binary reports; without these, kube-apiserver --version says v0.0.0-master. */
function ldflags(name: BinaryName, versions: Versions): string {
  const flags = ['-s', '-w'];
  const from = BINARIES[name].from;
  if (from === 'kubernetes') {
    const version = versions.go.kubernetes.version;
    const { major, minor } = majorMinor(version);
    for (const pkg of ['k8s.io/component-base/version', 'k8s.io/client-go/pkg/version']) {
      flags.push(`-X ${pkg}.gitVersion=${version}`, `-X ${pkg}.gitMajor=${major}`, `-X ${pkg}.gitMinor=${minor}`, `-X ${pkg}.gitTreeState=clean`);
    }
  }
  if (from === 'kubeconform') flags.push(`-X main.version=${versions.go.kubeconform.version}`);
  return flags.join(' ');
}

/** Checks that tools/go.mod requires exactly what versions.json pins; with update, rewrites it first. */
async function syncGoMod(versions: Versions, update: boolean, say: (line: string) => void): Promise<void> {
  const file = join(toolsDir(), 'go.mod');
  const current = existsSync(file) ? await readFile(file, 'utf8') : '';
  const required = requiredVersions(current);
  const stale = Object.values(versions.go).filter((pinned) => required.get(pinned.module) !== pinned.version);
  if (stale.length === 0) return;
  const names = stale.map((pinned) => `${pinned.module} ${pinned.version} (go.mod has ${required.get(pinned.module) ?? 'nothing'})`).join(', ');
  if (!update) throw new Error(`tools/go.mod does not match tools/versions.json: ${names}. Run \`npm run tools -- --update\` and commit tools/go.mod and tools/go.sum.`);
  say(`rewriting tools/go.mod for ${names}`);
  const { kubernetes } = versions.go;
  await writeFile(file, renderGoMod(versions, await moduleGoMod(kubernetes.module, kubernetes.version)));
  await go(['mod', 'tidy'], { cwd: toolsDir() });
}

function ticker(say: (line: string) => void, what: string): () => number {
  const started = Date.now();
  const timer = setInterval(() => say(`  ${what}: still compiling, ${Math.round((Date.now() - started) / 1000)} s`), 30_000);
  return () => {
    clearInterval(timer);
    return (Date.now() - started) / 1000;
  };
}

/**
 * Builds every pinned binary that the cache lacks (in the cache, keyed by version; nothing in the repository)
 * and downloads the pinned CRD modules. A binary appears only once its build has finished.
 */
export async function buildTools(options: BuildOptions = {}): Promise<BuildResult> {
  const say = options.onProgress ?? (() => {});
  const versions = loadVersions();
  await syncGoMod(versions, options.update ?? false, say);
  const binaries: BuildResult['binaries'][number][] = [];
  for (const [index, name] of BINARY_NAMES.entries()) {
    const path = binaryPath(name, versions);
    const version = versions.go[BINARIES[name].from].version;
    if (existsSync(path)) {
      say(`[${index + 1}/${BINARY_NAMES.length}] ${name} ${version}: cached`);
      binaries.push({ name, path, built: false, seconds: 0 });
      continue;
    }
    say(`[${index + 1}/${BINARY_NAMES.length}] ${name} ${version}: building`);
    await mkdir(join(path, '..'), { recursive: true });
    const partial = `${path}.partial-${process.pid}`;
    const stop = ticker(say, name);
    try {
      await go(['build', '-trimpath', '-ldflags', ldflags(name, versions), '-o', partial, BINARIES[name].pkg], { cwd: toolsDir(), env: { GOTOOLCHAIN: 'local', CGO_ENABLED: '0' } });
    } catch (error) {
      await rm(partial, { force: true });
      throw error;
    } finally {
      binaries.push({ name, path, built: true, seconds: stop() });
    }
    await rename(partial, path);
    say(`  ${name}: built in ${Math.round(binaries.at(-1)?.seconds ?? 0)} s`);
  }
  const sources = Object.entries(versions.crds);
  for (const [index, [name, source]] of sources.entries()) {
    say(`[CRDs ${index + 1}/${sources.length}] ${name}: ${source.module}@${source.version}`);
    await moduleDir(source.module, source.version);
  }
  return { binaries, crdModules: sources.length };
}
