import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SettingsError, envName, flagName, loadSettings, podOrdinal } from '../src/settings/settings.js';

function configFile(text: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'agent-settings-'));
  const file = join(dir, 'agent.yaml');
  writeFileSync(file, text);
  return file;
}

describe('agent settings', () => {
  it('names the environment variable and flag of every key', () => {
    expect(envName('leaseDurationMs')).toBe('MYSQLHA_LEASE_DURATION_MS');
    expect(flagName('httpPort')).toBe('--http-port');
  });

  it('reads agent.yaml and fills the in-cluster defaults', () => {
    const s = loadSettings({ configFile: configFile('httpPort: 18080\nfailoverPolicy: available\n'), env: { POD_NAME: 'mysql-1', POD_NAMESPACE: 'db' } });
    expect(s.httpPort).toBe(18080);
    expect(s.failoverPolicy).toBe('available');
    expect(s.leaseName).toBe('mysql-leader');
    expect(s.secretsDir).toBe('/var/run/secrets/mysqlha');
    expect(s.podName).toBe('mysql-1');
    expect(s.namespace).toBe('db');
  });

  it('lets a flag beat the environment, which beats the file', () => {
    const file = configFile('httpPort: 1000\nmysqlPort: 1001\nclonePort: 1002\n');
    const s = loadSettings({ configFile: file, env: { MYSQLHA_HTTP_PORT: '2000', MYSQLHA_MYSQL_PORT: '2001' }, argv: ['--http-port', '3000'] });
    expect(s.httpPort).toBe(3000);
    expect(s.mysqlPort).toBe(2001);
    expect(s.clonePort).toBe(1002);
  });

  it('reads peer addresses from the file or as JSON from the environment', () => {
    const fromFile = loadSettings({ configFile: configFile('peerAddresses:\n  mysql-0: {host: 127.0.0.1, mysqlPort: 14001, httpPort: 14101}\n'), env: {} });
    expect(fromFile.peerAddresses['mysql-0']).toEqual({ host: '127.0.0.1', mysqlPort: 14001, httpPort: 14101, clonePort: 8081 });
    const fromEnv = loadSettings({ configFile: configFile(''), env: { MYSQLHA_PEER_ADDRESSES: '{"mysql-1":{"host":"h","mysqlPort":1,"httpPort":2,"clonePort":3}}' } });
    expect(fromEnv.peerAddresses['mysql-1']?.clonePort).toBe(3);
  });

  it('stops on a bad value, naming where it came from, the key and what was expected', () => {
    const file = configFile('httpPort: eighty\n');
    expect(() => loadSettings({ configFile: file, env: {} })).toThrow(SettingsError);
    expect(() => loadSettings({ configFile: file, env: {} })).toThrow(`${file}: httpPort: expected an integer port between 1 and 65535, got "eighty"`);
    expect(() => loadSettings({ configFile: configFile(''), env: { MYSQLHA_FAILOVER_POLICY: 'fast' } })).toThrow(
      'environment MYSQLHA_FAILOVER_POLICY: failoverPolicy: expected "safe" or "available", got "fast"',
    );
    expect(() => loadSettings({ configFile: configFile(''), env: {}, argv: ['--loop-interval-ms', '0'] })).toThrow(/flag --loop-interval-ms: loopIntervalMs: expected a positive integer/);
    expect(() => loadSettings({ configFile: configFile('peerAddresses:\n  mysql-0: {mysqlPort: 1}\n'), env: {} })).toThrow(/peerAddresses.mysql-0.host: expected a host name/);
  });

  it('rejects an unknown key in agent.yaml', () => {
    expect(() => loadSettings({ configFile: configFile('leaseDuration: 4000\n'), env: {} })).toThrow(/leaseDuration: expected one of cluster, /);
  });

  it('rejects timings that would let another pod take the Lease before the holder is read-only', () => {
    expect(() => loadSettings({ configFile: configFile('leaseDurationMs: 3000\nrenewDeadlineMs: 2500\nloopIntervalMs: 500\n'), env: {} })).toThrow(
      /renewDeadlineMs: expected renewDeadlineMs \+ loopIntervalMs \(500\) < leaseDurationMs \(3000\)/,
    );
  });

  it('takes the TLS certificate, its key and the CA together or not at all', () => {
    expect(() => loadSettings({ configFile: configFile('tlsCertFile: /tls/tls.crt\ntlsCaFile: /tls/ca.crt\n'), env: {} })).toThrow(/tlsKeyFile: expected a PEM file path, since tlsCertFile and tlsCaFile are set/);
    expect(() => loadSettings({ configFile: configFile(''), env: { MYSQLHA_TLS_CA_FILE: '/tls/ca.crt' } })).toThrow(/tlsCertFile: expected a PEM file path, since tlsCaFile is set/);
    const all = loadSettings({ configFile: configFile('tlsCertFile: /t/tls.crt\ntlsKeyFile: /t/tls.key\ntlsCaFile: /t/ca.crt\n'), env: {} });
    expect(all.tlsCaFile).toBe('/t/ca.crt');
  });

  it('says which file it could not read when one was named', () => {
    expect(() => loadSettings({ env: { MYSQLHA_CONFIG: '/nonexistent/agent.yaml' } })).toThrow(/\/nonexistent\/agent.yaml: \(file\): expected a readable agent.yaml, got "ENOENT"/);
  });

  it('derives the ordinal from the pod name', () => {
    expect(podOrdinal('mysql-12')).toBe(12);
    expect(() => podOrdinal('mysql')).toThrow(/ending in -<ordinal>/);
  });
});
