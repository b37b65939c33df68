#!/usr/bin/env zx
// Renders and validates overlays and GitOps objects; see `npm run validate -- --help`.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '@mysqlha/validate';

// zx may keep its own flags before the script path in process.argv.
const self = fileURLToPath(import.meta.url);
const at = process.argv.findIndex((arg) => resolve(arg) === self);
process.exitCode = await main(process.argv.slice(at + 1));
