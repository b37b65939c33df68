import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Runner } from './steps.js';

const exec = promisify(execFile);

export type BuilderKind = 'docker' | 'podman' | 'buildah';

export interface Builder {
  kind: BuilderKind;
  env: NodeJS.ProcessEnv;
}

async function works(command: string, args: string[], env: NodeJS.ProcessEnv): Promise<boolean> {
  try {
    await exec(command, args, { env, timeout: 30_000 });
    return true;
  } catch {
    return false;
  }
}

const KINDS: BuilderKind[] = ['docker', 'podman', 'buildah'];

/** docker buildx, then podman, then buildah: the first one that answers; MYSQLHA_IMAGE_BUILDER picks one. */
export async function detectBuilder(env: NodeJS.ProcessEnv): Promise<Builder> {
  const chosen = env.MYSQLHA_IMAGE_BUILDER;
  if (chosen) {
    if (!KINDS.includes(chosen as BuilderKind)) throw new Error(`MYSQLHA_IMAGE_BUILDER=${chosen}: expected one of ${KINDS.join(', ')}`);
    return { kind: chosen as BuilderKind, env };
  }
  if ((await works('docker', ['buildx', 'version'], env)) && (await works('docker', ['info'], env))) return { kind: 'docker', env };
  if (await works('podman', ['--version'], env)) return { kind: 'podman', env };
  if (await works('buildah', ['--version'], env)) return { kind: 'buildah', env };
  throw new Error(
    'no image builder found: install Docker with the buildx plugin (and a running engine), podman, or buildah; ' +
      'on Debian: apt-get install podman buildah runc',
  );
}

/** The CLI that manages local images for this builder (buildah has no `run`/`import`: podman does). */
function engine(builder: Builder): string {
  return builder.kind === 'docker' ? 'docker' : builder.kind === 'buildah' ? 'buildah' : 'podman';
}

export async function imageExists(builder: Builder, ref: string): Promise<boolean> {
  if (builder.kind === 'docker') return works('docker', ['image', 'inspect', ref], builder.env);
  if (builder.kind === 'buildah') return works('buildah', ['inspect', '--type', 'image', ref], builder.env);
  return works('podman', ['image', 'exists', ref], builder.env);
}

export async function buildImage(
  runner: Runner,
  step: string,
  builder: Builder,
  options: { dockerfile: string; context: string; tags: string[] },
): Promise<void> {
  const tags = options.tags.flatMap((tag) => ['-t', tag]);
  // The base image is local (imported by images:base): never look for it in a registry.
  if (builder.kind === 'docker') {
    await runner.run(step, 'docker', ['buildx', 'build', '--load', '-f', options.dockerfile, ...tags, options.context], { env: builder.env });
  } else if (builder.kind === 'podman') {
    await runner.run(step, 'podman', ['build', '--pull=never', '--layers', '-f', options.dockerfile, ...tags, options.context], { env: builder.env });
  } else {
    await runner.run(step, 'buildah', ['bud', '--pull=never', '--layers', '-f', options.dockerfile, ...tags, options.context], { env: builder.env });
  }
}

export interface ImageFacts {
  id: string;
  sizeBytes: number;
}

export async function inspectImage(builder: Builder, ref: string): Promise<ImageFacts> {
  const withPrefix = (id: string): string => (id.startsWith('sha256:') ? id : `sha256:${id}`);
  if (builder.kind === 'buildah') {
    // buildah reports the size only rounded, as text ("376 MB").
    const { stdout: id } = await exec('buildah', ['inspect', '--type', 'image', '--format', '{{.FromImageID}}', ref], { env: builder.env });
    const { stdout: listing } = await exec('buildah', ['images', '--json', ref], { env: builder.env });
    const size = /^([\d.]+)\s*([kMG]?B)$/.exec((JSON.parse(listing) as { size: string }[])[0]?.size ?? '');
    const unit = { B: 1, kB: 1e3, MB: 1e6, GB: 1e9 }[size?.[2] ?? 'B'] ?? 1;
    return { id: withPrefix(id.trim()), sizeBytes: Math.round(Number(size?.[1] ?? 0) * unit) };
  }
  const { stdout } = await exec(engine(builder), ['image', 'inspect', '--format', '{{.Id}} {{.Size}}', ref], { env: builder.env });
  const [id = '', size = '0'] = stdout.trim().split(/\s+/);
  return { id: withPrefix(id), sizeBytes: Number(size) };
}

function isLocalRegistry(ref: string): boolean {
  return /^(localhost|127\.0\.0\.1|\[::1\])(:\d+)?\//.test(ref);
}

/**
 * Pushes `source` as `target` and returns the manifest digest the registry stored: the value a
 * deployment pins. Registries on loopback are spoken to without TLS, as Docker does.
 */
export async function pushImage(runner: Runner, step: string, builder: Builder, source: string, target: string, digestFile: string): Promise<void> {
  const tls = isLocalRegistry(target) ? ['--tls-verify=false'] : [];
  if (builder.kind === 'docker') {
    await runner.run(step, 'docker', ['tag', source, target], { env: builder.env });
    await runner.run(step, 'docker', ['push', target], { env: builder.env });
    const { stdout } = await exec('docker', ['image', 'inspect', '--format', '{{range .RepoDigests}}{{println .}}{{end}}', target], { env: builder.env });
    const repository = target.replace(/:[^/:]+$/, '');
    const digest = stdout.split('\n').find((line) => line.startsWith(`${repository}@`))?.split('@')[1];
    if (!digest) throw new Error(`docker pushed ${target} but reports no digest for it`);
    await writeFile(digestFile, digest);
  } else {
    await runner.run(step, engine(builder), ['push', ...tls, '--digestfile', digestFile, source, `docker://${target}`], { env: builder.env });
  }
}

export async function importRootfs(runner: Runner, step: string, builder: Builder, tarball: string, ref: string): Promise<void> {
  if (builder.kind === 'buildah') {
    const container = (await runner.run(step, 'buildah', ['from', 'scratch'], { env: builder.env })).trim();
    await runner.run(step, 'buildah', ['add', container, tarball, '/'], { env: builder.env });
    await runner.run(step, 'buildah', ['commit', '--rm', container, ref], { env: builder.env });
  } else {
    await runner.run(step, engine(builder), ['import', tarball, ref], { env: builder.env });
  }
}

/** Runs a command in a container on the host network; the caller removes it. */
export function runEngine(builder: Builder): string {
  if (builder.kind === 'buildah') return 'podman';
  return engine(builder);
}
