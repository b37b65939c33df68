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

/** docker buildx, then podman, then buildah: the first one that answers. */
export async function detectBuilder(env: NodeJS.ProcessEnv): Promise<Builder> {
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
    await runner.run(step, 'buildah', ['bud', '--pull-never', '--layers', '-f', options.dockerfile, ...tags, options.context], { env: builder.env });
  }
}

export interface ImageFacts {
  id: string;
  sizeBytes: number;
}

export async function inspectImage(builder: Builder, ref: string): Promise<ImageFacts> {
  const args =
    builder.kind === 'buildah'
      ? ['inspect', '--type', 'image', '--format', '{{.FromImageID}} {{.Docker.Size}}', ref]
      : ['image', 'inspect', '--format', '{{.Id}} {{.Size}}', ref];
  const { stdout } = await exec(engine(builder), args, { env: builder.env });
  const [id = '', size = '0'] = stdout.trim().split(/\s+/);
  return { id: id.startsWith('sha256:') ? id : `sha256:${id}`, sizeBytes: Number(size) };
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
