import { readTlsMaterial, type TlsFiles, type TlsMaterial } from './material.js';

/** How often the certificate files are compared with what is being served. */
export const TLS_CHECK_EVERY_MS = 5000;

export interface TlsReloaderOptions {
  files: TlsFiles;
  /**
   * `FLUSH LOCAL SSL` on the local server: new connections get the certificate now in the files. False when the
   * server does not answer: it reads the files when it starts, and the next check tries again.
   */
  flushServer(): Promise<boolean>;
  /** The clone donor's HTTPS context. */
  reloadDonor(material: TlsMaterial): void;
  /** What is served: the end of validity of the certificate last loaded, and whether newer files fail to load. */
  served(notAfter: Date | null, failing: boolean): void;
  log: { info(m: string): void; error(m: string): void };
  emit(type: 'Normal' | 'Warning', reason: string, message: string): void;
}

/**
 * Serves a renewed certificate without a restart (docs/runtime.md, "TLS"): the kubelet swaps the Secret's files
 * at once, this notices the new certificate and has mariadbd and the clone donor load it. Established connections
 * keep the certificate they were opened with.
 */
export class TlsReloader {
  /** The certificate last loaded by both; null until the first load since this agent started. */
  private applied: TlsMaterial | null = null;
  private lastError = '';

  constructor(private readonly o: TlsReloaderOptions) {}

  async check(): Promise<void> {
    let material: TlsMaterial;
    try {
      material = readTlsMaterial(this.o.files);
      if (material.fingerprint === this.applied?.fingerprint) return this.o.served(material.notAfter, false);
      this.o.reloadDonor(material);
      // mariadbd read the files when it started, perhaps before the last renewal: load them once after each agent start.
      if (!(await this.o.flushServer())) return;
    } catch (err) {
      this.o.served(this.applied?.notAfter ?? null, true);
      const message = `TLS certificate not reloaded, retrying in ${TLS_CHECK_EVERY_MS / 1000} s: ${(err as Error).message}`;
      if (message !== this.lastError) {
        this.o.log.error(message);
        this.o.emit('Warning', 'TlsNotReloaded', message);
      }
      this.lastError = message;
      return;
    }
    if (this.applied !== null) {
      const message = `serving the renewed TLS certificate (serial ${material.serial}, valid until ${material.notAfter.toISOString()}) to new MySQL and clone connections`;
      this.o.log.info(message);
      this.o.emit('Normal', 'TlsReloaded', message);
    }
    this.applied = material;
    this.lastError = '';
    this.o.served(material.notAfter, false);
  }
}
