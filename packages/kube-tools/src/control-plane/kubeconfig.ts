import { writeFile } from 'node:fs/promises';
import { stringify } from 'yaml';

/** A kubeconfig with one cluster, one user authenticated by client certificate, one context. */
export async function writeKubeconfig(file: string, server: string, caFile: string, user: string, client: { cert: string; key: string }): Promise<string> {
  const config = {
    apiVersion: 'v1',
    kind: 'Config',
    clusters: [{ name: 'mysqlha-test', cluster: { server, 'certificate-authority': caFile } }],
    users: [{ name: user, user: { 'client-certificate': client.cert, 'client-key': client.key } }],
    contexts: [{ name: 'mysqlha-test', context: { cluster: 'mysqlha-test', user } }],
    'current-context': 'mysqlha-test',
  };
  await writeFile(file, stringify(config), { mode: 0o600 });
  return file;
}
