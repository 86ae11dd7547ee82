'use strict';
// Jupyter wire protocol (messaging spec 5.3): parse and sign multipart ZeroMQ messages.
const crypto = require('crypto');

const DELIM = Buffer.from('<IDS|MSG>');
const PROTOCOL_VERSION = '5.3';

function sign(key, scheme, parts) {
  if (!key) return '';
  const hmac = crypto.createHmac(scheme.replace(/^hmac-/, ''), key);
  for (const p of parts) hmac.update(p);
  return hmac.digest('hex');
}

/** Decodes raw frames into {identities, header, parent_header, metadata, content, buffers}. */
function decode(frames, key, scheme) {
  const at = frames.findIndex((f) => f.equals(DELIM));
  if (at < 0) throw new Error('wire: message has no <IDS|MSG> delimiter');
  const signature = frames[at + 1].toString();
  const parts = frames.slice(at + 2, at + 6);
  if (parts.length < 4) throw new Error(`wire: expected 4 message parts after the signature, got ${parts.length}`);
  const expected = sign(key, scheme, parts);
  if (key && signature !== expected) throw new Error('wire: bad HMAC signature on incoming message');
  const [header, parent_header, metadata, content] = parts.map((p) => JSON.parse(p.toString() || '{}'));
  return { identities: frames.slice(0, at), header, parent_header, metadata, content, buffers: frames.slice(at + 6) };
}

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

/** Encodes a message to frames, signed; `parent` is the request's header (or {}). */
function encode({ identities = [], msgType, session, parent = {}, metadata = {}, content = {} }, key, scheme) {
  const parts = [newHeader(msgType, session), parent, metadata, content].map((x) => Buffer.from(JSON.stringify(x)));
  return [...identities, DELIM, Buffer.from(sign(key, scheme, parts)), ...parts];
}

module.exports = { decode, encode, PROTOCOL_VERSION };
