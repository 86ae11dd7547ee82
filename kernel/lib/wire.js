'use strict';
// Jupyter wire protocol (messaging spec 5.3): parse and sign multipart ZeroMQ messages.
// Incoming signatures are compared in constant time, and a signature seen before is refused (a
// replayed message), as jupyter_client's Session does with its digest history.
const crypto = require('crypto');

const DELIM = Buffer.from('<IDS|MSG>');
const PROTOCOL_VERSION = '5.3';

/**
 * @param {string} key
 * @param {string} scheme e.g. hmac-sha256
 * @param {Buffer[]} parts header, parent header, metadata, content
 * @returns {string} hex digest ('' without a key: signing is off)
 */
function sign(key, scheme, parts) {
  if (!key) return '';
  const hmac = crypto.createHmac(scheme.replace(/^hmac-/, ''), key);
  for (const p of parts) hmac.update(p);
  return hmac.digest('hex');
}

/**
 * Constant-time comparison of two hex digests (lengths differ only for a malformed signature).
 * @param {string} a
 * @param {string} b
 */
function sameDigest(a, b) {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && crypto.timingSafeEqual(x, y);
}

/**
 * Signatures already accepted. Like jupyter_client's Session: a bounded set, of which the oldest
 * tenth is dropped when it is full (a replay that old is outside any realistic window).
 */
class DigestHistory {
  /** @param {number} [limit] */
  constructor(limit = 1 << 16) {
    this.limit = limit;
    /** @type {Set<string>} insertion-ordered */
    this.seen = new Set();
  }

  /**
   * Records `digest`; false when it was seen before.
   * @param {string} digest
   */
  add(digest) {
    if (this.seen.has(digest)) return false;
    this.seen.add(digest);
    if (this.seen.size > this.limit) {
      let drop = Math.ceil(this.limit / 10);
      for (const d of this.seen) {
        if (drop-- <= 0) break;
        this.seen.delete(d);
      }
    }
    return true;
  }
}

/**
 * @typedef {{identities: Buffer[], header: any, parent_header: any, metadata: any, content: any,
 *   buffers: Buffer[]}} Message
 */

/**
 * Decodes raw frames into a message, verifying the signature (and, with `history`, refusing a
 * signature seen before). Throws a WireError naming what is wrong.
 * @param {Buffer[]} frames
 * @param {string} key
 * @param {string} scheme
 * @param {DigestHistory} [history]
 * @returns {Message}
 */
function decode(frames, key, scheme, history) {
  const at = frames.findIndex((f) => f.equals(DELIM));
  if (at < 0) throw new WireError('message has no <IDS|MSG> delimiter');
  const signature = frames[at + 1] ? frames[at + 1].toString() : '';
  const parts = frames.slice(at + 2, at + 6);
  if (parts.length < 4) throw new WireError(`expected 4 message parts after the signature, got ${parts.length}`);
  if (key) {
    if (!sameDigest(signature, sign(key, scheme, parts))) throw new WireError('bad HMAC signature on incoming message');
    if (history && !history.add(signature)) throw new WireError('duplicate signature: a replayed message was refused');
  }
  const [header, parent_header, metadata, content] = parts.map((p) => JSON.parse(p.toString() || '{}'));
  return { identities: frames.slice(0, at), header, parent_header, metadata, content, buffers: frames.slice(at + 6) };
}

class WireError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(`wire: ${message}`);
    this.name = 'WireError';
  }
}

/**
 * @param {string} msgType
 * @param {string} session
 */
function newHeader(msgType, session) {
  return {
    msg_id: crypto.randomUUID(),
    username: 'tsdl',
    session,
    date: new Date().toISOString(),
    msg_type: msgType,
    version: PROTOCOL_VERSION,
  };
}

/**
 * Encodes a message to frames, signed; `parent` is the request's header (or {}).
 * @param {{identities?: Buffer[], msgType: string, session: string, parent?: object,
 *   metadata?: object, content?: object}} msg
 * @param {string} key
 * @param {string} scheme
 * @returns {Buffer[]}
 */
function encode({ identities = [], msgType, session, parent = {}, metadata = {}, content = {} }, key, scheme) {
  const parts = [newHeader(msgType, session), parent, metadata, content].map((x) => Buffer.from(JSON.stringify(x)));
  return [...identities, DELIM, Buffer.from(sign(key, scheme, parts)), ...parts];
}

module.exports = { decode, encode, sign, sameDigest, DigestHistory, WireError, PROTOCOL_VERSION };
