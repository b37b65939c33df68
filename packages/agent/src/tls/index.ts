export { readTlsMaterial, type TlsFiles, type TlsMaterial } from './material.js';
export { TLS_CHECK_EVERY_MS, TlsReloader, type TlsReloaderOptions } from './reloader.js';
