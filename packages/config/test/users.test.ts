import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readUsersFile } from '../src/users.js';

const dir = mkdtempSync(join(tmpdir(), 'users-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let n = 0;
function file(text: string): string {
  const path = join(dir, `users-${n++}.yaml`);
  writeFileSync(path, text);
  return path;
}

describe('users.yaml', () => {
  it('declares nobody when missing or empty', () => {
    expect(readUsersFile(join(dir, 'absent.yaml'))).toEqual([]);
    expect(readUsersFile(file(''))).toEqual([]);
    expect(readUsersFile(file('users: []\n'))).toEqual([]);
  });

  it('fills in the database, the password key and the access a user leaves out', () => {
    expect(readUsersFile(file('users:\n  - name: app\n  - name: reports\n    database: app\n    access: readonly\n    passwordKey: reports-pw\n'))).toEqual([
      { user: 'app', host: '%', database: 'app', access: 'readwrite', passwordKey: 'user-app-password' },
      { user: 'reports', host: '%', database: 'app', access: 'readonly', passwordKey: 'reports-pw' },
    ]);
  });

  it('names the file, the field and what it expected for every mistake', () => {
    const cases: [string, RegExp][] = [
      ['users:\n  - name: app\n    acess: readonly\n', /users-\d+\.yaml: users\[0\]\.acess: expected no such key \(name, database, passwordKey, access\), got "readonly"/],
      ['users:\n  - name: app\n    access: write\n', /users\[0\]\.access: expected "readwrite" or "readonly", got "write"/],
      ['users:\n  - name: root\n', /users\[0\]\.name: expected a name that is not one of the server or mysqlha accounts, got "root"/],
      ['users:\n  - name: mysqlha_agent\n', /users\[0\]\.name: expected a name that is not one of the server or mysqlha accounts/],
      ['users:\n  - name: app\n  - name: app\n', /users\[1\]\.name: expected a name not declared twice, got "app"/],
      ['users:\n  - name: "a b"\n', /users\[0\]\.name: expected a user name of letters, digits and _/],
      ['users:\n  - name: app\n    database: mysql\n', /users\[0\]\.database: expected a database name of letters, digits and _, not a system schema, got "mysql"/],
      ['users:\n  - name: app\n    passwordKey: "../root-password"\n', /users\[0\]\.passwordKey: expected a key of the credentials Secret/],
      ['user:\n  - name: app\n', /: user: expected no such key \(only users\)/],
      ['users: app\n', /: users: expected a list of/],
      ['users: [\n', /\(document\): expected YAML/],
    ];
    for (const [text, error] of cases) expect(() => readUsersFile(file(text)), text).toThrow(error);
  });
});

describe('users.yaml password keys', () => {
  it("refuses a key of the product's own credentials", () => {
    expect(() => readUsersFile(file('users:\n  - name: app\n    passwordKey: root-password\n'))).toThrow(/users\[0\]\.passwordKey: expected a key of the credentials Secret of its own/);
    expect(() => readUsersFile(file('users:\n  - name: app\n    passwordKey: ".."\n'))).toThrow(/passwordKey/);
  });
});
