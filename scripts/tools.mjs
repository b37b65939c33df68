#!/usr/bin/env zx
// Builds the pinned Kubernetes tools from Go modules into the cache; see `npm run tools -- --help`.
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { main } from '@mysqlha/kube-tools';

const self = fileURLToPath(import.meta.url);
const at = process.argv.findIndex((arg) => resolve(arg) === self);
process.exitCode = await main(process.argv.slice(at + 1));
