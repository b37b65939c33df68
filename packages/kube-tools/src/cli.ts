import { parseArgs } from 'node:util';
import { buildTools } from './build.js';
import { ensureSchemaCache, syncEmbeddedSchemas } from './schemas/embedded.js';
import { loadVersions } from './versions.js';

const HELP = `Usage: npm run tools [-- --update | --schema-dir]

Builds the pinned Kubernetes tools (kube-apiserver, kube-controller-manager, kube-scheduler, kubectl, etcd,
kubeconform) from their Go modules into the cache, outside the repository, downloads the pinned CRD modules,
and checks that the validator's embedded schemas match them. A binary already in the cache is not built
again. Versions: tools/versions.json. Cache: ~/.cache/mysqlha/tools (MYSQLHA_TOOLS_CACHE moves it).

  --update      rewrite tools/go.mod, tools/go.sum and the validator's embedded schemas
                (packages/validate/schemas) from tools/versions.json, after changing a version
  --schema-dir  print only the folder of kubeconform schemas generated from the pinned API server and
                CRDs (for kubeconform -schema-location), generating them first if needed
  --help        this text
`;

/** `npm run tools`: returns the exit status (2 for a bad flag, 1 for a failed build). */
export async function main(argv: readonly string[]): Promise<number> {
  let values: { update?: boolean; help?: boolean; 'schema-dir'?: boolean };
  try {
    values = parseArgs({ args: [...argv], options: { update: { type: 'boolean' }, help: { type: 'boolean' }, 'schema-dir': { type: 'boolean' } }, strict: true, allowPositionals: false }).values;
  } catch (error) {
    console.error(`tools: ${error instanceof Error ? error.message : String(error)}\n\n${HELP}`);
    return 2;
  }
  if (values.help) {
    process.stdout.write(HELP);
    return 0;
  }
  if (values['schema-dir']) {
    try {
      console.log(await ensureSchemaCache());
      return 0;
    } catch (error) {
      console.error(`tools: ${error instanceof Error ? error.message : String(error)}`);
      return 1;
    }
  }
  const versions = loadVersions();
  const { kubernetes, etcd, kubeconform } = versions.go;
  console.log(`Kubernetes ${kubernetes.version}, etcd ${etcd.version}, kubeconform ${kubeconform.version}; ${Object.keys(versions.crds).length} CRD sources`);
  const began = Date.now();
  try {
    const result = await buildTools({ update: values.update ?? false, onProgress: (line) => console.log(line) });
    const stale = await syncEmbeddedSchemas(values.update ?? false);
    if (stale.length > 0 && !values.update) {
      console.error(`tools: the validator's embedded schemas (packages/validate/schemas) differ from the pinned server and CRDs: ${stale.slice(0, 5).join(', ')}${stale.length > 5 ? ', ...' : ''}. Run \`npm run tools -- --update\` and commit them.`);
      return 1;
    }
    if (stale.length > 0) console.log(`rewrote ${stale.length} embedded schema files in packages/validate/schemas`);
    const built = result.binaries.filter((binary) => binary.built);
    console.log(`tools ready in ${Math.round((Date.now() - began) / 1000)} s: ${built.length} built, ${result.binaries.length - built.length} cached, ${result.crdModules} CRD modules`);
    return 0;
  } catch (error) {
    console.error(`tools: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}
