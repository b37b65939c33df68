#!/usr/bin/env zx
// See `npm run images:save -- --help`.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '@mysqlha/images';

// zx may keep its own flags before the script path in process.argv.
const self = fileURLToPath(import.meta.url);
const at = process.argv.findIndex((arg) => resolve(arg) === self);
process.exitCode = await main('save', process.argv.slice(at + 1));
