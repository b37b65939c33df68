import { createHmac, timingSafeEqual } from 'node:crypto';
import { readSecret } from '../settings/secrets.js';

/** The header a peer call carries: `<pod>:<unix ms>:<hex HMAC-SHA256>`. */
export const PEER_HEADER = 'x-mysqlha-peer';

/** A signed call is valid this long either side of its timestamp (clocks of pods in one cluster, plus delay). */
const SKEW_MS = 15_000;
/** The key file is read again this often, so a rotated Secret takes effect without a restart. */
const REREAD_MS = 10_000;

/**
 * Calls between agents (`/cycle`, `/lease-renewed`, `/freeze`, `/wait-applied`) carry an HMAC over the method,
 * the path with its query, the calling pod and a timestamp, keyed from the cluster's `clone-token` Secret key
 * (derived with a label of its own, so the token itself never travels and a signature is no clone credential).
 * A stranger without the Secret cannot steer the loop; a replay is accepted only within the skew window, and
 * every signed call is idempotent or bounded on the receiving side.
 */
export class PeerAuth {
  private key: Buffer | null = null;
  private readAt = -Infinity;
  /** The token itself, for a caller outside any pod that read it from the Secret (the mysqlha command). */
  private token: string | undefined;
  /** Signatures already acted on by a call that must run once (`firstUse`), until they are too old to verify. */
  private readonly used = new Map<string, number>();

  constructor(
    private readonly secretsDir: string,
    private readonly self: string,
  ) {}

  /** Signs as `self` with the cluster's `clone-token` value rather than the file a pod mounts. */
  static withToken(token: string, self: string): PeerAuth {
    const auth = new PeerAuth('', self);
    auth.token = token;
    return auth;
  }

  private currentKey(): Buffer {
    const now = Date.now();
    if (!this.key || now - this.readAt > REREAD_MS) {
      this.key = createHmac('sha256', this.token ?? readSecret(this.secretsDir, 'clone-token')).update('mysqlha peer calls v1').digest();
      this.readAt = now;
    }
    return this.key;
  }

  private mac(method: string, path: string, pod: string, at: string): Buffer {
    return createHmac('sha256', this.currentKey()).update(`${method}\n${path}\n${pod}\n${at}`).digest();
  }

  /** A signature over a record `pod` publishes (hex), so that only a holder of the cluster key can forge one. */
  seal(kind: string, pod: string, body: string): string {
    return createHmac('sha256', this.currentKey()).update(`record\n${kind}\n${pod}\n${body}`).digest('hex');
  }

  /** Whether `sig` is `pod`'s seal over `body`. */
  sealed(kind: string, pod: string, body: string, sig: string): boolean {
    if (!/^[0-9a-f]{64}$/.test(sig)) return false;
    return timingSafeEqual(Buffer.from(this.seal(kind, pod, body), 'hex'), Buffer.from(sig, 'hex'));
  }

  /** The header value for a call this pod makes. */
  sign(method: string, path: string, now = Date.now()): string {
    return `${this.self}:${now}:${this.mac(method, path, this.self, String(now)).toString('hex')}`;
  }

  /**
   * True the first time a verified signature is used, false when replayed within the window it stays valid in:
   * for a call that is neither idempotent nor bounded (a switchover), one signature is one call.
   */
  firstUse(header: string, now = Date.now()): boolean {
    for (const [sig, at] of this.used) if (now - at > 2 * SKEW_MS) this.used.delete(sig);
    if (this.used.has(header)) return false;
    this.used.set(header, now);
    return true;
  }

  /** Whether a call carries a valid signature; on failure the reason is for the log, not for the caller. */
  verify(header: string | string[] | undefined, method: string, path: string, now = Date.now()): { ok: true; peer: string } | { ok: false; reason: string } {
    if (typeof header !== 'string' || header === '') return { ok: false, reason: `no ${PEER_HEADER} header` };
    const m = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?):(\d{1,15}):([0-9a-f]{64})$/.exec(header);
    if (!m) return { ok: false, reason: `malformed ${PEER_HEADER} header` };
    const [, pod, , at, sig] = m as unknown as [string, string, string, string, string];
    if (Math.abs(now - Number(at)) > SKEW_MS) return { ok: false, reason: `signed ${now - Number(at)} ms away from this pod's clock (limit ${SKEW_MS} ms)` };
    const expected = this.mac(method, path, pod, at);
    if (!timingSafeEqual(expected, Buffer.from(sig, 'hex'))) return { ok: false, reason: `bad signature from "${pod}"` };
    return { ok: true, peer: pod };
  }
}
