import { parseArgs } from 'node:util';
import { buildBaseImage } from './base.js';
import { buildImages } from './build.js';
import { pinOverlay } from './pin.js';
import { findRepoRoot } from './repo.js';
import { saveImages } from './save.js';
import { smokeImages } from './smoke.js';

interface Command {
  usage: string;
  options: Record<string, { type: 'string' | 'boolean' }>;
  run(values: Record<string, string | boolean | undefined>, root: string): Promise<void>;
}

const COMMANDS: Record<string, Command> = {
  base: {
    usage: `npm run images:base [-- --force]

Builds the local base image debian:bookworm-slim with debootstrap (--variant=minbase) from the
Debian mirror in /etc/apt/sources.list.d/*.sources (or MYSQLHA_DEBIAN_MIRROR), so image builds
need no registry. Skipped when the image is already present.

  --force   rebuild it anyway`,
    options: { force: { type: 'boolean' } },
    run: async (values, root) => {
      await buildBaseImage({ root, force: values.force === true });
    },
  },
  build: {
    usage: `npm run images:build [-- --push REGISTRY]

Builds docker/mysql and docker/agent with docker buildx, podman or buildah (the first found),
tags them mysqlha/<image>:<version> and :<git short sha>, and writes images.lock.json.
MYSQLHA_IMAGE_BUILDER=docker|podman|buildah picks the builder.
podman and buildah use docker/podman/containers.conf and a store under .work/containers.

  --push REGISTRY   also push to REGISTRY/mysqlha/<image> and record the registry digests`,
    options: { push: { type: 'string' } },
    run: async (values, root) => {
      await buildImages({ root, push: values.push as string | undefined });
    },
  },
  pin: {
    usage: `npm run images:pin -- --overlay NAME

Writes the pushed digests from images.lock.json into overlays/NAME/kustomization.yaml "images:"
(name, newName, digest), like \`kustomize edit set image\`; the rest of the file is kept.

  --overlay NAME   overlay name (e.g. prod) or path to an overlay directory`,
    options: { overlay: { type: 'string' } },
    run: async (values, root) => {
      if (typeof values.overlay !== 'string') throw new Error('--overlay NAME is required (e.g. --overlay prod)');
      const { file, pinned } = await pinOverlay({ root, overlay: values.overlay });
      for (const image of pinned) console.log(`${image.name} -> ${image.newName}@${image.digest}`);
      console.log(`pinned in ${file}`);
    },
  },
  save: {
    usage: `npm run images:save -- --output FILE

Writes both built images (mysqlha/mysql and mysqlha/agent, tagged with the version) into one docker-archive
tarball, for a local cluster without a registry: \`kind load image-archive FILE\` (README, "Quickstart").

  --output FILE   the tarball to write`,
    options: { output: { type: 'string' } },
    run: async (values, root) => {
      if (typeof values.output !== 'string') throw new Error('--output FILE is required (e.g. --output mysqlha-images.tar)');
      const refs = await saveImages({ root, output: values.output });
      console.log(`saved ${refs.join(', ')} to ${values.output}`);
    },
  },
  smoke: {
    usage: `npm run images:smoke

Runs the built images like a pod (uid 999, read-only root): the mysql image serves on loopback
port 16201, its probe works and its preStop hook asks the agent socket for a switchover (and
exits 0 without an agent); the agent image answers \`agent --help\` and
receives a clone from a donor on the host (ports 16211, 16212) that the mysql image then starts from.`,
    options: {},
    run: async (_values, root) => {
      await smokeImages({ root });
    },
  },
};

/** Entry point of scripts/images-<command>.mjs; returns the exit code. */
export async function main(command: string, argv: string[]): Promise<number> {
  const spec = COMMANDS[command];
  if (!spec) throw new Error(`unknown images command "${command}"; expected one of ${Object.keys(COMMANDS).join(', ')}`);
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...spec.options, help: { type: 'boolean', short: 'h' } }, strict: true }));
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${spec.usage}`);
    return 2;
  }
  if (values.help) {
    console.log(spec.usage);
    return 0;
  }
  try {
    await spec.run(values, findRepoRoot());
    return 0;
  } catch (error) {
    console.error(`images:${command}: ${(error as Error).message}`);
    return 1;
  }
}
