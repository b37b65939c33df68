/** The donor's one endpoint. */
export const CLONE_PATH = '/clone';
/** Bytes the donor expects to send, for the receiver's ETA; an estimate, never a promise. */
export const SIZE_HEADER = 'X-Clone-Size-Estimate';
/** Trailer sent after the last byte: `ok`, or `failed: <why>`; without it the stream is incomplete. */
export const RESULT_TRAILER = 'X-Clone-Result';
