import { describe, expect, it } from 'vitest';
import { accountsSql, LOCAL_ACCOUNTS, OPTIONAL_SECRET_KEYS, SECRET_KEYS } from '../src/index.js';

const passwords = { root: 'r', replication: 'p', agent: 'a', clone: 'c' };

describe('the accounts of a new datadir', () => {
  it('creates the exporter account only when the Secret has its optional key', () => {
    expect(accountsSql(passwords)).not.toContain('mysqlha_exporter');
    const sql = accountsSql({ ...passwords, exporter: 'e' });
    expect(sql).toContain("CREATE USER IF NOT EXISTS 'mysqlha_exporter'@'localhost'");
    expect(sql).toContain("ALTER USER 'mysqlha_exporter'@'localhost' WITH MAX_USER_CONNECTIONS 3");
  });

  it('marks optional exactly the accounts whose key the base Secret does not require', () => {
    for (const a of LOCAL_ACCOUNTS) expect(a.optional === true, a.user).toBe((OPTIONAL_SECRET_KEYS as readonly string[]).includes(a.passwordKey));
    for (const key of OPTIONAL_SECRET_KEYS) expect(SECRET_KEYS as readonly string[]).not.toContain(key);
  });
});
