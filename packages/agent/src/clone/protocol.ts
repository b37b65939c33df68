/** The donor's one endpoint. */
export const CLONE_PATH = '/clone';
/** Bytes the donor expects to send, for the receiver's ETA; an estimate, never a promise. */
export const SIZE_HEADER = 'X-Clone-Size-Estimate';
/** Trailer sent after the last byte: `ok`, or `failed: <why>`; without it the stream is incomplete. */
export const RESULT_TRAILER = 'X-Clone-Result';
/**
 * Over plain HTTP the receiver asks for an upgrade to this protocol: the donor answers 101, waits for
 * GO from the receiver, then mariabackup writes straight into the socket and mbstream reads straight
 * from it, so no byte of the copy passes through JavaScript on either end. The connection's end is
 * the stream's end; the result (the trailer's job on the HTTP path) is fetched from RESULT_PATH.
 */
export const RAW_PROTOCOL = 'mysqlha-clone-raw';
/** Sent once the receiver's mbstream owns the socket, so no stream byte can reach Node's buffers first. */
export const GO = 'go\n';
/** Names one raw stream, for its result. */
export const STREAM_HEADER = 'X-Clone-Stream';
/** `GET RESULT_PATH?stream=ID`: `ok`, or `failed: <why>`; 404 for an unknown stream. */
export const RESULT_PATH = '/clone/result';
